using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Fleet.Kubernetes;
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
    /// <param name="cache">Takes a host whose inputs are unchanged since the last render through it from there.</param>
    public static ImmutableArray<RenderedHost> Render(FleetDefinition fleet, PlacementResult placement, RenderCache? cache = null)
    {
        var rendering = Prepare(fleet, placement);
        cache?.Begin();
        var hosts = new RenderedHost[rendering.HostCount];
        Parallel.For(0, hosts.Length, new ParallelOptions { MaxDegreeOfParallelism = hosts.Length > 64 ? -1 : 1 }, i =>
            hosts[i] = cache is null ? rendering.Render(i) : rendering.Render(i, cache));
        return [.. hosts];
    }

    /// <summary>What rendering any one host needs, worked out once: each host's nodes, the compiled templates, the NICs.</summary>
    public static FleetRendering Prepare(FleetDefinition fleet, PlacementResult placement) => new(fleet, placement);

    /// <summary>
    /// A placed fleet ready to render host by host, on any thread. <c>render --out</c> writes each host's document as
    /// soon as it is rendered, so no host's rendering outlives its file (at 1,000 hosts, 80 MiB that would otherwise
    /// survive collection after collection until the last host is written).
    /// </summary>
    public sealed class FleetRendering
    {
        private readonly FleetDefinition _fleet;
        private readonly Dictionary<string, List<DesiredNode>> _nodesByHost = new(StringComparer.Ordinal);
        private readonly Dictionary<string, CompiledTemplate> _templates;
        private readonly Dictionary<string, RenderedInterface> _nics;

        internal FleetRendering(FleetDefinition fleet, PlacementResult placement)
        {
            _fleet = fleet;
            foreach (var node in placement.Nodes)
            {
                if (placement.Placement.HostByNode.TryGetValue(node.Name, out var host))
                {
                    if (!_nodesByHost.TryGetValue(host, out var list))
                    {
                        _nodesByHost[host] = list = [];
                    }

                    list.Add(node);
                }
            }

            _templates = fleet.Clusters.ToDictionary(c => c.Name, c => UserDataTemplate.Compile(c.UserDataTemplate), StringComparer.Ordinal);
            var macPrefix = MacPrefix(fleet.Settings.Name);
            _nics = placement.Addresses.ToDictionary(a => a.Key, a => Interface(macPrefix, a.Value), StringComparer.Ordinal);
        }

        /// <summary>The fleet's hosts, every one rendered whether busy or not, in the fleet's order (by name).</summary>
        public int HostCount => _fleet.Hosts.Length;

        /// <summary>The host at <paramref name="index"/> in the fleet's hosts.</summary>
        public RenderedHost Render(int index)
        {
            var host = _fleet.Hosts[index];
            return RenderHost(_fleet, host, NodesOf(host), _templates, _nics);
        }

        internal RenderedHost Render(int index, RenderCache cache)
        {
            var host = _fleet.Hosts[index];
            var nodes = NodesOf(host);
            return cache.GetOrRender(_fleet, host, nodes, _nics, () => RenderHost(_fleet, host, nodes, _templates, _nics));
        }

        private List<DesiredNode> NodesOf(HostDefinition host) => _nodesByHost.GetValueOrDefault(host.Name) ?? [];
    }

    private static RenderedHost RenderHost(FleetDefinition fleet, HostDefinition host, List<DesiredNode> nodes, Dictionary<string, CompiledTemplate> templates, Dictionary<string, RenderedInterface> nics)
    {
        var vms = ImmutableArray.CreateBuilder<RenderedVm>();
        RenderedMetal? metal = null;
        var allocated = Resources.Zero;
        foreach (var node in nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var nic = nics.GetValueOrDefault(node.Name);
            var userData = node.Cluster.Bootstrap == BootstrapMode.Kubeadm
                ? KubeadmCloudConfig.Render(node.Cluster, new KubeadmCloudConfig.Node(node.Name, node.Ref.Role == NodeRole.ControlPlane, nic?.Ipv4Address, nic?.Name ?? "eth0"))
                : templates[node.Cluster.Name].Render(name => Variable(fleet, host, node, nic, name));
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

            vms.Add(BuildVm(fleet, node, userData, nic));
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
        var hash = new ContentHash();
        foreach (var vm in microvms)
        {
            hash.Add(vm.Id, vm.Hash);
        }

        if (metal is not null)
        {
            hash.Add("metal:" + metal.Node, metal.Hash);
        }

        return hash.Finish();
    }

    private static RenderedVm BuildVm(FleetDefinition fleet, DesiredNode node, string userData, RenderedInterface? nic)
    {
        var cluster = node.Cluster;
        var role = RoleNames.Of(node.Ref.Role);
        var metadata = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        metadata["liquidmetal.dev/cluster"] = cluster.Name;
        metadata["liquidmetal.dev/fleet"] = fleet.Settings.Name;
        metadata["liquidmetal.dev/kubernetes-version"] = cluster.KubernetesVersion;
        metadata["liquidmetal.dev/node"] = node.Name;
        metadata["liquidmetal.dev/pool"] = node.Ref.Pool;
        metadata["liquidmetal.dev/role"] = role;
        var interfaces = ImmutableArray.Create(nic ?? new RenderedInterface("eth0", Mac(fleet.Settings.Name, node.Name, "eth0")));
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
            Metadata = metadata.ToImmutable(),
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
        var hash = new ContentHash();
        hash.Add("id", vm.Id);
        hash.Add("cluster", vm.Cluster);
        hash.Add("pool", vm.Pool);
        hash.Add("role", vm.Role);
        hash.Add("vcpu", vm.Vcpu.ToString(CultureInfo.InvariantCulture));
        hash.Add("memoryMiB", vm.MemoryMiB.ToString(CultureInfo.InvariantCulture));
        hash.Add("kernel", vm.Kernel);
        hash.Add("initrd", vm.Initrd);
        hash.Add("rootVolume", vm.RootVolume ?? string.Empty);
        hash.Add("userData", vm.UserData);
        foreach (var nic in vm.Interfaces)
        {
            hash.Add("interface:" + nic.Name, nic.Mac);

            // Only a NIC on a fleet network has these: a VM without one hashes as it did before networks existed.
            if (nic.Network.Length > 0)
            {
                hash.Add("interface:" + nic.Name, nic.Describe());
            }
        }

        foreach (var (key, value) in vm.Metadata)
        {
            hash.Add("metadata:" + key, value);
        }

        return hash.Finish();
    }

    /// <summary>The value of a template variable for one node (the names are <see cref="UserDataTemplate.KnownVariables"/>).</summary>
    private static string Variable(FleetDefinition fleet, HostDefinition host, DesiredNode node, RenderedInterface? nic, string name) => name switch
    {
        "cluster.name" => node.Cluster.Name,
        "controlPlane.endpoint" => node.Cluster.ControlPlane.Endpoint,
        "controlPlane.vip" => node.Cluster.ControlPlane.Vip ?? string.Empty,
        "node.ipv4" => nic?.Ipv4Address ?? string.Empty,
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

    /// <summary>The NIC of a node with an address on its cluster's network.</summary>
    private static RenderedInterface Interface(string macPrefix, NodeAddress address)
    {
        var network = address.Network;
        var addressing = network.Addressing!;
        var v4 = $"{address.Ipv4}/{addressing.Subnet.Length}";
        return new RenderedInterface("eth0", macPrefix + string.Join(':', address.Ipv4.GetBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture))))
        {
            Network = network.Name,
            Bridge = network.Bridge,
            Vlan = network.Vlan,
            Addresses = address.Ipv6 is { } v6 ? [v4, $"{v6}/{addressing.Ipv6Subnet!.Value.PrefixLength}"] : [v4],
            Gateway4 = addressing.Gateway?.ToString() ?? string.Empty,
            Gateway6 = addressing.Ipv6Gateway?.ToString() ?? string.Empty,
            Nameservers = network.DnsServers,
            SearchDomains = network.DnsSearch,
        };
    }

    /// <summary>
    /// "02:" and a byte of the fleet name's hash: a NIC's MAC is this and its four IPv4 bytes, unique wherever its
    /// address is (every network's subnet is its own), and locally administered unicast.
    /// </summary>
    internal static string MacPrefix(string fleet) => $"02:{SHA256.HashData(Encoding.UTF8.GetBytes(fleet))[0]:x2}:";

    /// <summary>A locally administered unicast MAC (02:...) derived from fleet, node and interface names.</summary>
    internal static string Mac(string fleet, string node, string device)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{fleet}/{node}/{device}"), hash);
        return $"02:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}:{hash[4]:x2}";
    }
}

/// <summary>
/// SHA-256 over named fields, each name and value length-prefixed so no two different field lists hash alike. Fields
/// go into one pooled buffer and are hashed in one call at <see cref="Finish"/>: far cheaper than an incremental hash
/// fed field by field, and no list of fields is built first.
/// </summary>
public ref struct ContentHash
{
    private byte[]? _buffer;
    private int _length;

    public static string Of(params (string Name, string Value)[] fields)
    {
        var hash = new ContentHash();
        foreach (var (name, value) in fields)
        {
            hash.Add(name, value);
        }

        return hash.Finish();
    }

    public void Add(string name, string value)
    {
        Append(name);
        Append(value);
    }

    /// <summary>"sha256:" and the hex digest; the buffer goes back to the pool.</summary>
    public string Finish()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_buffer.AsSpan(0, _length), hash);
        if (_buffer is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer, clearArray: true); // it held user-data
            (_buffer, _length) = (null, 0);
        }

        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    private void Append(string text)
    {
        var needed = _length + 4 + Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_buffer is null || needed > _buffer.Length)
        {
            var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(1024, (_buffer?.Length ?? 0) * 2)));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(larger);
                System.Buffers.ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            }

            _buffer = larger;
        }

        var length = Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length + 4));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), length);
        _length += 4 + length;
    }
}
