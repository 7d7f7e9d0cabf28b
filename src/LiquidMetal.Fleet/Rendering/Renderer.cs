using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Fleet.Templates;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>
/// Turns a placed fleet into one <see cref="RenderedHost"/> per host (every host, busy or not, sorted by name).
/// Pure and deterministic: the same fleet and placement give byte-identical output.
/// </summary>
public static class Renderer
{
    public static ImmutableArray<RenderedHost> Render(FleetDefinition fleet, PlacementResult placement)
    {
        var nodesByHost = new Dictionary<string, List<DesiredNode>>(StringComparer.Ordinal);
        foreach (var node in placement.Nodes)
        {
            if (placement.Placement.HostByNode.TryGetValue(node.Name, out var host))
            {
                if (!nodesByHost.TryGetValue(host, out var list))
                {
                    nodesByHost[host] = list = [];
                }

                list.Add(node);
            }
        }

        var templates = fleet.Clusters.ToDictionary(c => c.Name, c => UserDataTemplate.Compile(c.UserDataTemplate), StringComparer.Ordinal);
        var hosts = new RenderedHost[fleet.Hosts.Length];
        Parallel.For(0, hosts.Length, new ParallelOptions { MaxDegreeOfParallelism = fleet.Hosts.Length > 64 ? -1 : 1 }, i =>
        {
            var host = fleet.Hosts[i];
            hosts[i] = RenderHost(fleet, host, nodesByHost.GetValueOrDefault(host.Name) ?? [], templates);
        });
        return [.. hosts];
    }

    private static RenderedHost RenderHost(FleetDefinition fleet, HostDefinition host, List<DesiredNode> nodes, Dictionary<string, CompiledTemplate> templates)
    {
        var vms = ImmutableArray.CreateBuilder<RenderedVm>();
        RenderedMetal? metal = null;
        var allocated = Resources.Zero;
        foreach (var node in nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var userData = templates[node.Cluster.Name].Render(name => Variable(fleet, host, node, name));
            if (node.IsMetal)
            {
                metal = new RenderedMetal
                {
                    Node = node.Name,
                    Cluster = node.Cluster.Name,
                    Pool = node.Ref.Pool,
                    UserData = userData,
                    Hash = ContentHash.Of(("node", node.Name), ("cluster", node.Cluster.Name), ("pool", node.Ref.Pool), ("userData", userData)),
                };
                continue;
            }

            vms.Add(BuildVm(fleet, node, userData));
            allocated += node.Size;
        }

        var microvms = vms.ToImmutable();
        return new RenderedHost
        {
            Host = host.Name,
            Fleet = fleet.Settings.Name,
            AgentEndpoint = host.AgentEndpoint,
            FailureDomain = host.FailureDomain,
            Capacity = host.Capacity,
            Allocatable = host.Allocatable,
            Allocated = allocated,
            Microvms = microvms,
            Metal = metal,
            SpecHash = SpecHashOf(microvms, metal),
        };
    }

    /// <summary>The same host asked to run other work (a rollout holding a VM back, a suspended cluster kept as it was).</summary>
    public static RenderedHost WithWork(RenderedHost host, ImmutableArray<RenderedVm> microvms, RenderedMetal? metal) => host with
    {
        Microvms = [.. microvms.OrderBy(vm => vm.Id, StringComparer.Ordinal)],
        Metal = metal,
        Allocated = microvms.Aggregate(Resources.Zero, (sum, vm) => sum + vm.Size),
        SpecHash = SpecHashOf(microvms.OrderBy(vm => vm.Id, StringComparer.Ordinal), metal),
    };

    private static string SpecHashOf(IEnumerable<RenderedVm> microvms, RenderedMetal? metal)
    {
        var parts = microvms.Select(vm => (vm.Id, vm.Hash)).ToList();
        if (metal is not null)
        {
            parts.Add(("metal:" + metal.Node, metal.Hash));
        }

        return ContentHash.Of([.. parts]);
    }

    private static RenderedVm BuildVm(FleetDefinition fleet, DesiredNode node, string userData)
    {
        var cluster = node.Cluster;
        var role = RoleNames.Of(node.Ref.Role);
        var metadata = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["liquidmetal.dev/cluster"] = cluster.Name,
            ["liquidmetal.dev/fleet"] = fleet.Settings.Name,
            ["liquidmetal.dev/kubernetes-version"] = cluster.KubernetesVersion,
            ["liquidmetal.dev/node"] = node.Name,
            ["liquidmetal.dev/pool"] = node.Ref.Pool,
            ["liquidmetal.dev/role"] = role,
        });
        var interfaces = ImmutableArray.Create(new RenderedInterface("eth0", Mac(fleet.Settings.Name, node.Name, "eth0")));
        var vm = new RenderedVm
        {
            Id = node.Name,
            Cluster = cluster.Name,
            Pool = node.Ref.Pool,
            Role = role,
            Vcpu = node.Size.Cpu,
            MemoryMiB = node.Size.MemoryMiB,
            Kernel = cluster.Image.Kernel,
            Initrd = cluster.Image.Initrd,
            RootVolume = cluster.Image.RootVolume,
            Interfaces = interfaces,
            Metadata = metadata,
            UserData = userData,
            Hash = string.Empty,
        };
        return vm with { Hash = HashOf(vm) };
    }

    /// <summary>
    /// The content hash of a VM: every field it is built from, so it changes exactly when one of them does. Also how a
    /// spec read back from the status branch is checked: a spec whose fields do not give its hash was not rendered here.
    /// </summary>
    public static string HashOf(RenderedVm vm)
    {
        var fields = new List<(string, string)>
        {
            ("id", vm.Id),
            ("cluster", vm.Cluster),
            ("pool", vm.Pool),
            ("role", vm.Role),
            ("vcpu", vm.Vcpu.ToString(CultureInfo.InvariantCulture)),
            ("memoryMiB", vm.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            ("kernel", vm.Kernel),
            ("initrd", vm.Initrd),
            ("rootVolume", vm.RootVolume ?? string.Empty),
            ("userData", vm.UserData),
        };
        fields.AddRange(vm.Interfaces.Select(i => ("interface:" + i.Name, i.Mac)));
        fields.AddRange(vm.Metadata.Select(m => ("metadata:" + m.Key, m.Value)));
        return ContentHash.Of([.. fields]);
    }

    /// <summary>The value of a template variable for one node (the names are <see cref="UserDataTemplate.KnownVariables"/>).</summary>
    private static string Variable(FleetDefinition fleet, HostDefinition host, DesiredNode node, string name) => name switch
    {
        "cluster.name" => node.Cluster.Name,
        "controlPlane.endpoint" => node.Cluster.ControlPlane.Endpoint,
        "fleet.name" => fleet.Settings.Name,
        "host.failureDomain" => host.FailureDomain,
        "host.name" => host.Name,
        "kubernetes.version" => node.Cluster.KubernetesVersion,
        "node.name" => node.Name,
        "node.ordinal" => node.Ref.Ordinal.ToString(CultureInfo.InvariantCulture),
        "node.pool" => node.Ref.Pool,
        "node.role" => RoleNames.Of(node.Ref.Role),
        _ => throw new ArgumentException($"no value for template variable '{name}'", nameof(name)),
    };

    /// <summary>A locally administered unicast MAC (02:...) derived from fleet, node and interface names.</summary>
    internal static string Mac(string fleet, string node, string device)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{fleet}/{node}/{device}"), hash);
        return $"02:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}:{hash[4]:x2}";
    }
}

/// <summary>SHA-256 over named fields, each length-prefixed so no two different field lists hash alike.</summary>
public static class ContentHash
{
    public static string Of(params (string Name, string Value)[] fields)
    {
        var size = 0;
        foreach (var (name, value) in fields)
        {
            size += 8 + Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
        }

        // One buffer and one hash call: far cheaper than feeding an incremental hash field by field.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var at = 0;
            foreach (var (name, value) in fields)
            {
                at = Append(buffer, at, name);
                at = Append(buffer, at, value);
            }

            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, at), hash);
            return "sha256:" + Convert.ToHexStringLower(hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Append(byte[] buffer, int at, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, buffer.AsSpan(at + 4));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(at), length);
        return at + 4 + length;
    }
}
