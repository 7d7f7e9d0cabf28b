using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>
/// The YAML form of <see cref="RenderedHost"/> (rendered/hosts/&lt;host&gt;.yaml): written by hand in a fixed
/// field order so output is byte-for-byte reproducible and diffs read well, and read back for stable placement.
/// </summary>
public static class RenderedHostYaml
{
    public const string Kind = "RenderedHost";

    // One builder per thread, reused host after host: a host's document is tens of KB, and a render writes 1,000 of them.
    [ThreadStatic]
    private static StringBuilder? t_text;

    public static string Write(RenderedHost host)
    {
        var y = new YamlWriter(1024 + (host.Microvms.Length * 1024));
        Fill(y, host);
        return y.ToString();
    }

    /// <summary>The document as UTF-8, the bytes <see cref="Write"/>'s text encodes to, made without that text.</summary>
    public static byte[] Utf8(RenderedHost host) => WithBytes(host, static bytes => bytes.ToArray());

    /// <summary>Writes the document to a new file at <paramref name="path"/>, as UTF-8; a file already there is an <see cref="IOException"/>.</summary>
    /// <remarks>
    /// A new file, not FileMode.Create: .NET opens for Create without O_TRUNC and then truncates, and ext4 answers a
    /// truncate to zero by writing the file's blocks out when it is closed (auto_da_alloc). At 1,000 hosts that was a
    /// disk write started from every close, 5% of a render's CPU.
    /// </remarks>
    public static void WriteNewFile(string path, RenderedHost host) => WithBytes(host, bytes =>
    {
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        RandomAccess.Write(file, bytes, 0);
        return true;
    });

    private static T WithBytes<T>(RenderedHost host, Func<ReadOnlySpan<byte>, T> use)
    {
        var text = t_text ?? new StringBuilder(64 * 1024);
        t_text = null; // a document written while this one is (a callback's) gets a builder of its own
        text.Clear();
        Fill(new YamlWriter(text), host);
        var (buffer, length) = Utf8Text.Rent(text);
        try
        {
            return use(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            t_text = text.Capacity <= 1024 * 1024 ? text : null; // a pathological document's builder is not kept
        }
    }

    private static void Fill(YamlWriter y, RenderedHost host)
    {
        y.Comment($"Rendered by liquidmetal from fleet {host.Fleet}. Generated: edit the fleet, not this file.")
            .Lines(0, "apiVersion", FleetLoader.ApiVersion)
            .Lines(0, "kind", Kind)
            .Lines(0, "host", host.Host)
            .Lines(0, "fleet", host.Fleet)
            .Open(0, "agent")
            .Lines(2, "endpoint", host.AgentEndpoint)
            .Lines(0, "failureDomain", host.FailureDomain);
        Size(y, "capacity", host.Capacity);
        Size(y, "allocatable", host.Allocatable);
        Size(y, "allocated", host.Allocated);
        y.Lines(0, "specHash", host.SpecHash);
        y.Sequence(0, "microvms", 2, host.Microvms, static (y, vm) =>
        {
            y.Lines(4, "id", vm.Id)
                .Lines(4, "cluster", vm.Cluster)
                .Lines(4, "pool", vm.Pool)
                .Lines(4, "role", vm.Role)
                .Number(4, "vcpu", vm.Vcpu)
                .Number(4, "memoryMiB", vm.MemoryMiB)
                .Lines(4, "kernel", vm.Kernel)
                .Lines(4, "initrd", vm.Initrd)
                .Lines(4, "rootVolume", vm.RootVolume)
                .Open(4, "interfaces");
            foreach (var nic in vm.Interfaces)
            {
                y.Item(6).Lines(8, "name", nic.Name).Lines(8, "mac", nic.Mac);
                if (nic.Network.Length > 0)
                {
                    y.Lines(8, "network", nic.Network).Lines(8, "bridge", nic.Bridge);
                    if (nic.Vlan != 0)
                    {
                        y.Number(8, "vlan", nic.Vlan);
                    }

                    Strings(y, 8, "addresses", nic.Addresses);
                    y.Lines(8, "gateway4", NullIfEmpty(nic.Gateway4)).Lines(8, "gateway6", NullIfEmpty(nic.Gateway6));
                    Strings(y, 8, "nameservers", nic.Nameservers);
                    Strings(y, 8, "searchDomains", nic.SearchDomains);
                }
            }

            y.Open(4, "metadata");
            foreach (var (key, value) in vm.Metadata)
            {
                y.Entry(6, key, value);
            }

            y.Lines(4, "userData", vm.UserData).Lines(4, "hash", vm.Hash);
        });

        if (host.Metal is { } metal)
        {
            y.Open(0, "metal")
                .Lines(2, "node", metal.Node)
                .Lines(2, "cluster", metal.Cluster)
                .Lines(2, "pool", metal.Pool)
                .Lines(2, "userData", metal.UserData)
                .Lines(2, "hash", metal.Hash);
        }
    }

    /// <summary>Reads a rendered host document; problems are reported with file:line:col, never thrown.</summary>
    public static RenderedHost? Read(string file, string text, List<Diagnostic> diagnostics)
    {
        var tree = YamlTree.Parse(file, text, diagnostics, keepLocations: false);
        if (tree.Root is not JObject root)
        {
            return null;
        }

        if (root.Value<string>("kind") != Kind || root.Value<string>("host") is not { Length: > 0 } name)
        {
            diagnostics.Add(new Diagnostic(new SourceLocation(file, 1, 1), $"not a rendered host document: expected kind: {Kind} and host: <name>"));
            return null;
        }

        try
        {
            return new RenderedHost
            {
                Host = name,
                Fleet = root.Value<string>("fleet") ?? string.Empty,
                AgentEndpoint = root["agent"]?.Value<string>("endpoint") ?? string.Empty,
                FailureDomain = root.Value<string>("failureDomain") ?? string.Empty,
                Capacity = SizeOf(root["capacity"]),
                Allocatable = SizeOf(root["allocatable"]),
                Allocated = SizeOf(root["allocated"]),
                SpecHash = root.Value<string>("specHash") ?? string.Empty,
                Microvms = [.. (root["microvms"] as JArray ?? []).OfType<JObject>().Select(VmOf)],
                Metal = root["metal"] is JObject metal
                    ? new RenderedMetal
                    {
                        Node = metal.Value<string>("node")!,
                        Cluster = metal.Value<string>("cluster")!,
                        Pool = metal.Value<string>("pool")!,
                        UserData = metal.Value<string>("userData") ?? string.Empty,
                        Hash = metal.Value<string>("hash")!,
                    }
                    : null,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or NullReferenceException)
        {
            diagnostics.Add(new Diagnostic(new SourceLocation(file, 1, 1), $"rendered host document is malformed: {e.Message}"));
            return null;
        }
    }

    private static RenderedVm VmOf(JObject vm) => new()
    {
        Id = vm.Value<string>("id")!,
        Cluster = vm.Value<string>("cluster")!,
        Pool = vm.Value<string>("pool")!,
        Role = vm.Value<string>("role")!,
        Vcpu = vm.Value<int>("vcpu"),
        MemoryMiB = vm.Value<long>("memoryMiB"),
        Kernel = vm.Value<string>("kernel")!,
        Initrd = vm.Value<string>("initrd")!,
        RootVolume = vm.Value<string>("rootVolume"),
        Interfaces = [.. (vm["interfaces"] as JArray ?? []).OfType<JObject>().Select(InterfaceOf)],
        Metadata = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, (vm["metadata"] as JObject ?? []).Properties().Select(p => KeyValuePair.Create(p.Name, p.Value.Value<string>() ?? string.Empty))),
        UserData = vm.Value<string>("userData") ?? string.Empty,
        Hash = vm.Value<string>("hash")!,
    };

    private static RenderedInterface InterfaceOf(JObject nic) => new(nic.Value<string>("name")!, nic.Value<string>("mac")!)
    {
        Network = nic.Value<string>("network") ?? string.Empty,
        Bridge = nic.Value<string>("bridge") ?? string.Empty,
        Vlan = nic.Value<int?>("vlan") ?? 0,
        Addresses = StringsOf(nic["addresses"]),
        Gateway4 = nic.Value<string>("gateway4") ?? string.Empty,
        Gateway6 = nic.Value<string>("gateway6") ?? string.Empty,
        Nameservers = StringsOf(nic["nameservers"]),
        SearchDomains = StringsOf(nic["searchDomains"]),
    };

    private static ImmutableArray<string> StringsOf(JToken? token) => [.. (token as JArray ?? []).Select(t => t.Value<string>()).OfType<string>()];

    private static void Strings(YamlWriter y, int indent, string key, ImmutableArray<string> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        y.Open(indent, key);
        foreach (var value in values)
        {
            y.TextItem(indent + 2, value);
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static Resources SizeOf(JToken? token) => token is JObject size ? new Resources(size.Value<int>("cpu"), size.Value<long>("memoryMiB")) : Resources.Zero;

    private static void Size(YamlWriter y, string key, Resources size) =>
        y.Open(0, key).Number(2, "cpu", size.Cpu).Number(2, "memoryMiB", size.MemoryMiB);
}
