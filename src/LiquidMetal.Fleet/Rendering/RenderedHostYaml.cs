using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>
/// The YAML form of <see cref="RenderedHost"/> (rendered/hosts/&lt;host&gt;.yaml): written by hand in a fixed
/// field order so output is byte-for-byte reproducible and diffs read well, and read back for stable placement.
/// </summary>
public static class RenderedHostYaml
{
    public const string Kind = "RenderedHost";

    public static string Write(RenderedHost host)
    {
        var y = new StringBuilder(1024 + (host.Microvms.Length * 1024));
        y.Append("# Rendered by liquidmetal from fleet ").Append(host.Fleet).Append(". Generated: edit the fleet, not this file.\n");
        y.Append("apiVersion: ").Append(FleetLoader.ApiVersion).Append('\n');
        y.Append("kind: ").Append(Kind).Append('\n');
        Field(y, 0, "host", host.Host);
        Field(y, 0, "fleet", host.Fleet);
        y.Append("agent:\n");
        Field(y, 2, "endpoint", host.AgentEndpoint);
        Field(y, 0, "failureDomain", host.FailureDomain);
        Size(y, "capacity", host.Capacity);
        Size(y, "allocatable", host.Allocatable);
        Size(y, "allocated", host.Allocated);
        Field(y, 0, "specHash", host.SpecHash);
        if (host.Microvms.IsEmpty)
        {
            y.Append("microvms: []\n");
        }
        else
        {
            y.Append("microvms:\n");
            foreach (var vm in host.Microvms)
            {
                y.Append("  - ");
                Field(y, 0, "id", vm.Id);
                Field(y, 4, "cluster", vm.Cluster);
                Field(y, 4, "pool", vm.Pool);
                Field(y, 4, "role", vm.Role);
                Field(y, 4, "vcpu", vm.Vcpu.ToString(CultureInfo.InvariantCulture), raw: true);
                Field(y, 4, "memoryMiB", vm.MemoryMiB.ToString(CultureInfo.InvariantCulture), raw: true);
                Field(y, 4, "kernel", vm.Kernel);
                Field(y, 4, "initrd", vm.Initrd);
                if (vm.RootVolume is not null)
                {
                    Field(y, 4, "rootVolume", vm.RootVolume);
                }

                y.Append("    interfaces:\n");
                foreach (var nic in vm.Interfaces)
                {
                    y.Append("      - ");
                    Field(y, 0, "name", nic.Name);
                    Field(y, 8, "mac", nic.Mac);
                }

                y.Append("    metadata:\n");
                foreach (var (key, value) in vm.Metadata)
                {
                    Field(y, 6, key, value);
                }

                Field(y, 4, "userData", vm.UserData);
                Field(y, 4, "hash", vm.Hash);
            }
        }

        if (host.Metal is { } metal)
        {
            y.Append("metal:\n");
            Field(y, 2, "node", metal.Node);
            Field(y, 2, "cluster", metal.Cluster);
            Field(y, 2, "pool", metal.Pool);
            Field(y, 2, "userData", metal.UserData);
            Field(y, 2, "hash", metal.Hash);
        }

        return y.ToString();
    }

    /// <summary>Reads a rendered host document; problems are reported with file:line:col, never thrown.</summary>
    public static RenderedHost? Read(string file, string text, List<Diagnostic> diagnostics)
    {
        var tree = YamlTree.Parse(file, text, diagnostics);
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
        Interfaces = [.. (vm["interfaces"] as JArray ?? []).OfType<JObject>().Select(i => new RenderedInterface(i.Value<string>("name")!, i.Value<string>("mac")!))],
        Metadata = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, (vm["metadata"] as JObject ?? []).Properties().Select(p => KeyValuePair.Create(p.Name, p.Value.Value<string>() ?? string.Empty))),
        UserData = vm.Value<string>("userData") ?? string.Empty,
        Hash = vm.Value<string>("hash")!,
    };

    private static Resources SizeOf(JToken? token) => token is JObject size ? new Resources(size.Value<int>("cpu"), size.Value<long>("memoryMiB")) : Resources.Zero;

    private static void Size(StringBuilder y, string key, Resources size) =>
        y.Append(key).Append(":\n  cpu: ").Append(size.Cpu.ToString(CultureInfo.InvariantCulture))
            .Append("\n  memoryMiB: ").Append(size.MemoryMiB.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Field(StringBuilder y, int indent, string key, string value, bool raw = false)
    {
        y.Append(' ', indent).Append(YamlScalar.Write(key)).Append(':');
        if (raw)
        {
            y.Append(' ').Append(value).Append('\n');
        }
        else if (IsBlockSafe(value))
        {
            Block(y, indent + 2, value);
        }
        else
        {
            y.Append(' ').Append(YamlScalar.Write(value)).Append('\n');
        }
    }

    /// <summary>Multi-line text goes in a literal block (|) when it has no characters a block cannot carry.</summary>
    private static bool IsBlockSafe(string value)
    {
        if (!value.Contains('\n'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if ((char.IsControl(c) && c is not '\n' and not '\t') || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF')
            {
                return false;
            }
        }

        // A literal block cannot carry trailing spaces on its last line, a first line indented by a tab, lines of
        // only blanks (YAML reads them as indentation), or text that is nothing but line breaks.
        if (value.EndsWith(' ') || value.StartsWith('\t'))
        {
            return false;
        }

        var hasText = false;
        foreach (var line in value.AsSpan().Split('\n'))
        {
            var text = value.AsSpan(line);
            if (text.Length > 0 && text.IsWhiteSpace())
            {
                return false;
            }

            hasText |= text.Length > 0;
        }

        return hasText;
    }

    private static void Block(StringBuilder y, int indent, string value)
    {
        var trailing = value.Length - value.TrimEnd('\n').Length;
        var chomp = trailing switch
        {
            0 => "-",
            1 => string.Empty,
            _ => "+",
        };
        var body = trailing == 0 ? value : value[..^trailing];

        // YAML takes a block's indentation from its first non-empty line; when that line starts with spaces, say it (2: relative to the key).
        var firstText = body.TrimStart('\n');
        var indicator = firstText.StartsWith(' ') ? "2" : string.Empty;
        y.Append(" |").Append(indicator).Append(chomp).Append('\n');
        foreach (var line in body.AsSpan().Split('\n'))
        {
            if (line.End.Value > line.Start.Value)
            {
                y.Append(' ', indent).Append(body.AsSpan(line));
            }

            y.Append('\n');
        }

        for (var i = 1; i < trailing; i++)
        {
            y.Append('\n');
        }
    }
}
