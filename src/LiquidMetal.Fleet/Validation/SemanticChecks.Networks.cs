using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Validation;

/// <summary>
/// The network rules: every subnet, gateway and range parses and fits; no two networks overlap (so every node and VIP
/// address is unique in the fleet, and the reconciler can reach each cluster's VIP); a cluster's VIP is on its
/// network, outside the node addresses and its own; a network has an address for every node on it; and every host a
/// cluster's nodes may be placed on is one its network reaches.
/// </summary>
public static partial class SemanticChecks
{
    /// <summary>The port of a cluster's API when its endpoint is left to default to its VIP.</summary>
    public const int DefaultApiPort = 6443;

    private static (ImmutableArray<NetworkDefinition> Networks, ImmutableArray<ClusterDefinition> Clusters) CheckNetworks(
        FleetDefinition fleet, ImmutableArray<ClusterDefinition> clusters, Selections selections, bool allHostsLoaded, bool allLoaded, List<Diagnostic> diagnostics)
    {
        var sources = fleet.Sources;
        Unique(fleet.Networks.Select(n => (n.Name, n.File)), "network", sources, diagnostics);
        var networks = fleet.Networks.Select(n => n with { Addressing = Parse(n, sources, diagnostics) }).ToImmutableArray();
        CheckOverlaps(networks, sources, diagnostics);

        var byName = new Dictionary<string, NetworkDefinition>(StringComparer.Ordinal);
        foreach (var network in networks)
        {
            byName.TryAdd(network.Name, network);
        }

        var vips = new Dictionary<Ipv4Address, ClusterDefinition>();
        var nodesOn = new Dictionary<string, List<(string Cluster, int Nodes)>>(StringComparer.Ordinal);
        var reached = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var outsideOf = new Dictionary<(Selection, string, bool), List<string>>();
        var resolved = ImmutableArray.CreateBuilder<ClusterDefinition>(clusters.Length);
        foreach (var cluster in clusters)
        {
            var network = cluster.Network is { } name ? byName.GetValueOrDefault(name) : null;
            if (cluster.Network is not null && network is null && allLoaded)
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.network"),
                    $"cluster {cluster.Name}: no network '{cluster.Network}'; {(networks.IsEmpty ? "there are none: declare it in networks/" + cluster.Network + ".yaml" : "networks are " + string.Join(", ", byName.Keys.Take(8)) + (byName.Count > 8 ? ", ..." : string.Empty))}"));
            }

            var endpoint = cluster.ControlPlane.Endpoint;
            if (cluster.ControlPlane.Vip is { } vipText)
            {
                if (CheckVip(cluster, vipText, network, vips, sources, diagnostics) is { } vip && endpoint.Length == 0)
                {
                    endpoint = $"https://{vip}:{DefaultApiPort}";
                }
            }
            else if (endpoint.Length == 0)
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.controlPlane"),
                    $"cluster {cluster.Name}: the control plane has no address: set spec.controlPlane.vip (an address on spec.network) or spec.controlPlane.endpoint"));
            }

            resolved.Add(cluster with { ControlPlane = cluster.ControlPlane with { Endpoint = endpoint } });
            if (network is null)
            {
                continue;
            }

            var nodes = cluster.ControlPlane.Replicas + cluster.WorkerPools.Where(p => p.Mode == PoolMode.Microvm).Sum(p => p.Replicas);
            if (!nodesOn.TryGetValue(network.Name, out var list))
            {
                nodesOn[network.Name] = list = [];
            }

            list.Add((cluster.Name, nodes));
            if (allHostsLoaded)
            {
                if (!reached.TryGetValue(network.Name, out var hosts))
                {
                    reached[network.Name] = hosts = [.. selections.Of(network.HostSelector).Hosts.Select(h => h.Name)];
                }

                CheckReach(cluster, network, hosts, selections, outsideOf, sources, diagnostics);
            }
        }

        foreach (var network in networks)
        {
            if (network.Addressing is { } addressing && nodesOn.TryGetValue(network.Name, out var users))
            {
                var wanted = users.Sum(u => (long)u.Nodes);
                if (wanted > addressing.NodeAddressCount)
                {
                    diagnostics.Add(new Diagnostic(sources.Find(network.File, "spec.ipv4.nodeAddresses"),
                        $"network {network.Name} has {addressing.NodeAddressCount} node addresses, but its clusters have {wanted} microVM nodes ({string.Join(", ", users.Take(5).Select(u => $"{u.Cluster}: {u.Nodes}"))}{(users.Count > 5 ? ", ..." : string.Empty)}): add a range, or move a cluster to another network"));
                }
            }
        }

        return (networks, resolved.MoveToImmutable());
    }

    private static NetworkAddressing? Parse(NetworkDefinition network, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var before = diagnostics.Count;
        void Problem(string path, string message) => diagnostics.Add(new Diagnostic(sources.Find(network.File, path), $"network {network.Name}: {message}"));

        if (!Ipv4Prefix.TryParse(network.Ipv4Cidr, out var subnet, out var problem))
        {
            Problem("spec.ipv4.cidr", problem!);
            return null;
        }

        if (subnet.Length > 30)
        {
            Problem("spec.ipv4.cidr", $"{subnet} is too small for nodes and a gateway: use a /30 or wider subnet");
        }

        Ipv4Address? gateway = null;
        if (network.Ipv4Gateway is { } gatewayText)
        {
            if (!Ipv4Address.TryParse(gatewayText, out var parsed))
            {
                Problem("spec.ipv4.gateway", $"'{gatewayText}' is not an IPv4 address (a.b.c.d)");
            }
            else if (!subnet.Contains(parsed) || parsed == subnet.First || parsed == subnet.Last)
            {
                Problem("spec.ipv4.gateway", $"gateway {parsed} is {(subnet.Contains(parsed) ? "the subnet's " + (parsed == subnet.First ? "network" : "broadcast") + " address" : "outside the subnet " + subnet)}: the gateway is a host address inside {subnet}");
            }
            else
            {
                gateway = parsed;
            }
        }

        var ranges = new List<Ipv4Range>();
        for (var i = 0; i < network.NodeAddresses.Length; i++)
        {
            var path = $"spec.ipv4.nodeAddresses[{i}]";
            if (!Ipv4Range.TryParse(network.NodeAddresses[i], out var range, out problem))
            {
                Problem(path, problem!);
                continue;
            }

            if (!subnet.Contains(range.First) || !subnet.Contains(range.Last))
            {
                Problem(path, $"{range} is not inside the subnet {subnet}: node addresses are addresses of the subnet");
                continue;
            }

            var earlier = ranges.FindIndex(r => r.First <= range.Last && range.First <= r.Last);
            if (earlier >= 0)
            {
                Problem(path, $"{range} overlaps {ranges[earlier]}, listed before it: list every address once");
                continue;
            }

            ranges.Add(range);
        }

        IPNetwork? ipv6 = null;
        IPAddress? gateway6 = null;
        if (network.Ipv6Cidr is { } ipv6Text)
        {
            if (!IPNetwork.TryParse(ipv6Text, out var parsed) || parsed.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6)
            {
                Problem("spec.ipv6.cidr", $"'{ipv6Text}' is not an IPv6 prefix with no host bits set, such as fd00:20:1::/64");
            }
            else if (parsed.PrefixLength > 96)
            {
                Problem("spec.ipv6.cidr", $"{parsed} is too long a prefix: a node's IPv6 address holds its place in the IPv4 subnet, which needs 32 bits (a /96 or shorter)");
            }
            else
            {
                ipv6 = parsed;
            }
        }

        if (network.Ipv6Gateway is { } gateway6Text)
        {
            if (network.Ipv6Cidr is null)
            {
                Problem("spec.ipv6.gateway", "an IPv6 gateway needs spec.ipv6.cidr");
            }
            else if (!IPAddress.TryParse(gateway6Text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            {
                Problem("spec.ipv6.gateway", $"'{gateway6Text}' is not an IPv6 address");
            }
            else if (ipv6 is { } prefix && !prefix.Contains(parsed))
            {
                Problem("spec.ipv6.gateway", $"gateway {parsed} is outside the prefix {prefix}");
            }
            else
            {
                gateway6 = parsed;
            }
        }

        var others = new List<Ipv4Address>();
        for (var i = 0; i < network.DnsServers.Length; i++)
        {
            var server = network.DnsServers[i];
            if (Ipv4Address.TryParse(server, out var v4))
            {
                if (subnet.Contains(v4))
                {
                    others.Add(v4); // a server on the subnet keeps its address: no node gets it
                }
            }
            else if (!(IPAddress.TryParse(server, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && server.Contains(':')))
            {
                Problem($"spec.dns.servers[{i}]", $"'{server}' is not an IP address: DNS servers are given by address");
            }
        }

        for (var i = 0; i < network.DnsSearch.Length; i++)
        {
            if (!IsDnsName(network.DnsSearch[i]))
            {
                Problem($"spec.dns.search[{i}]", $"'{network.DnsSearch[i]}' is not a DNS domain: labels of letters, digits and '-' joined by dots, such as lab.example");
            }
        }

        return diagnostics.Count == before ? new NetworkAddressing(subnet, gateway, [.. ranges], ipv6, gateway6, [.. others]) : null;
    }

    /// <summary>A DNS name as resolvers take it: at most 253 characters, labels of 1 to 63 letters, digits and '-' (not at either end).</summary>
    private static bool IsDnsName(string name) =>
        name.Length is > 0 and <= 253 && name.TrimEnd('.').Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    /// <summary>Subnets sorted by first address: each can only overlap the one before it that reaches furthest.</summary>
    private static void CheckOverlaps(ImmutableArray<NetworkDefinition> networks, SourceMap sources, List<Diagnostic> diagnostics)
    {
        NetworkDefinition? furthest = null;
        foreach (var network in networks.Where(n => n.Addressing is not null).OrderBy(n => n.Addressing!.Subnet.First).ThenBy(n => n.Name, StringComparer.Ordinal))
        {
            var subnet = network.Addressing!.Subnet;
            if (furthest is not null && furthest.Addressing!.Subnet.Overlaps(subnet))
            {
                diagnostics.Add(new Diagnostic(sources.Find(network.File, "spec.ipv4.cidr"),
                    $"network {network.Name}: {subnet} overlaps network {furthest.Name}'s {furthest.Addressing.Subnet} ({furthest.File}); every network has a subnet of its own, so that every node and VIP address is unique in the fleet"));
            }

            if (furthest is null || subnet.Last > furthest.Addressing!.Subnet.Last)
            {
                furthest = network;
            }
        }

        // The same sweep over IPv6 prefixes, as 128-bit numbers.
        (NetworkDefinition Network, UInt128 First, UInt128 Last)? reach = null;
        foreach (var (network, first, last) in networks.Where(n => n.Addressing?.Ipv6Subnet is not null)
            .Select(n => (Network: n, Range: Span(n.Addressing!.Ipv6Subnet!.Value)))
            .Select(x => (x.Network, x.Range.First, x.Range.Last))
            .OrderBy(x => x.First).ThenBy(x => x.Network.Name, StringComparer.Ordinal))
        {
            if (reach is { } before && first <= before.Last)
            {
                diagnostics.Add(new Diagnostic(sources.Find(network.File, "spec.ipv6.cidr"),
                    $"network {network.Name}: {network.Addressing!.Ipv6Subnet} overlaps network {before.Network.Name}'s {before.Network.Addressing!.Ipv6Subnet} ({before.Network.File}); every network has a prefix of its own"));
            }

            if (reach is null || last > reach.Value.Last)
            {
                reach = (network, first, last);
            }
        }
    }

    private static (UInt128 First, UInt128 Last) Span(IPNetwork prefix)
    {
        var bytes = prefix.BaseAddress.GetAddressBytes();
        var first = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        var hostBits = 128 - prefix.PrefixLength;
        var mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        return (first, first | mask);
    }

    private static Ipv4Address? CheckVip(ClusterDefinition cluster, string text, NetworkDefinition? network, Dictionary<Ipv4Address, ClusterDefinition> vips, SourceMap sources, List<Diagnostic> diagnostics)
    {
        void Problem(string message) => diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.controlPlane.vip"), $"cluster {cluster.Name}: {message}"));

        if (!Ipv4Address.TryParse(text, out var vip))
        {
            Problem($"vip '{text}' is not an IPv4 address (a.b.c.d)");
            return null;
        }

        if (cluster.Network is null)
        {
            Problem($"vip {vip} is an address on the cluster's network: set spec.network");
            return null;
        }

        if (network?.Addressing is { } addressing)
        {
            if (!addressing.Subnet.Contains(vip))
            {
                Problem($"vip {vip} is outside network {network.Name}'s subnet {addressing.Subnet}");
                return null;
            }

            if (addressing.ReservedAs(vip) is { } what)
            {
                Problem($"vip {vip} is network {network.Name}'s {what}: choose a free address of {addressing.Subnet}");
                return null;
            }

            if (addressing.NodeRangeOf(vip) is { } range)
            {
                Problem($"vip {vip} is inside network {network.Name}'s node addresses {range}, where a node could get it: choose an address of {addressing.Subnet} outside {string.Join(", ", addressing.NodeRanges)}");
                return null;
            }
        }

        if (!vips.TryAdd(vip, cluster))
        {
            Problem($"vip {vip} is also cluster {vips[vip].Name}'s ({vips[vip].File}); every cluster has its own");
            return null;
        }

        return vip;
    }

    /// <summary>Every host that may run one of the cluster's microVMs must be one the network reaches, or a node could land where its address means nothing.</summary>
    /// <remarks>
    /// Thousands of clusters that select the same pool share its selection: the hosts of a selection outside a network
    /// are found once per pair (<paramref name="outsideOf"/>), not once per cluster.
    /// </remarks>
    private static void CheckReach(
        ClusterDefinition cluster, NetworkDefinition network, HashSet<string> reached, Selections selections,
        Dictionary<(Selection, string, bool), List<string>> outsideOf, SourceMap sources, List<Diagnostic> diagnostics)
    {
        List<string> Outside(Selection selection, bool controlPlane)
        {
            if (!outsideOf.TryGetValue((selection, network.Name, controlPlane), out var hosts))
            {
                var candidates = controlPlane ? selection.ControlPlaneHosts : selection.WithRole(HostRoles.Microvm);
                outsideOf[(selection, network.Name, controlPlane)] = hosts = [.. candidates.Where(h => !reached.Contains(h))];
            }

            return hosts;
        }

        var outside = new SortedSet<string>(Outside(selections.Of(cluster.HostSelector), controlPlane: true), StringComparer.Ordinal);
        foreach (var pool in cluster.WorkerPools.Where(p => p.Mode == PoolMode.Microvm && p.Replicas > 0))
        {
            outside.UnionWith(Outside(selections.Of(cluster.HostSelector, pool.HostSelector), controlPlane: false));
        }

        if (outside.Count > 0)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.network"),
                $"cluster {cluster.Name}: its nodes may be placed on {string.Join(", ", outside.Take(5))}{(outside.Count > 5 ? $" and {outside.Count - 5} more" : string.Empty)}, which network {network.Name} does not reach (its hostSelector {Show(network.HostSelector)}): narrow the cluster's hostSelector to the network's hosts, or widen the network's"));
        }
    }
}
