using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>The capacity map's input from one composed status: every host told something, grouped by site, with its nodes' states.</summary>
public static class MapSites
{
    /// <summary>The host label that names a host's site; a host without it is grouped by its failure domain.</summary>
    public const string SiteLabel = "liquidmetal.dev/site";

    /// <param name="fleet">The hosts' labels (a departed host, no longer in it, is grouped by its recorded failure domain).</param>
    /// <param name="rendered">What each host was told: its VMs and their sizes.</param>
    /// <param name="hosts">Each host's status document, by name.</param>
    /// <param name="clusters">The clusters' status documents: each node's state.</param>
    public static ImmutableArray<MapSite> Of(
        FleetDefinition fleet, IReadOnlyList<RenderedHost> rendered, IReadOnlyDictionary<string, HostStatusDocument> hosts, IReadOnlyList<ClusterStatusDocument> clusters)
    {
        var labels = new Dictionary<string, ImmutableSortedDictionary<string, string>>(fleet.Hosts.Length, StringComparer.Ordinal);
        foreach (var host in fleet.Hosts)
        {
            labels.TryAdd(host.Name, host.Labels);
        }

        // A small fleet's map draws every VM, each found by name. A large one's counts them, node by node into its
        // host's tally: 20,000 nodes looked up by name cost more than the rest of the map.
        var drawn = rendered.Count <= CapacityMap.BarsUpTo;
        var nodes = drawn ? clusters.SelectMany(c => c.Nodes).DistinctBy(n => n.Name).ToDictionary(n => n.Name, StringComparer.Ordinal) : null;
        var tallies = drawn ? null : Tallies(rendered, clusters);
        var sites = new SortedDictionary<(string Name, string Kind), List<MapHost>>(Comparer<(string Name, string Kind)>.Create(
            (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : string.CompareOrdinal(a.Kind, b.Kind)));
        foreach (var host in rendered)
        {
            var site = labels.GetValueOrDefault(host.Host)?.GetValueOrDefault(SiteLabel) is { Length: > 0 } name ? (name, "site") : (host.FailureDomain, "failure domain");
            if (!sites.TryGetValue(site, out var list))
            {
                sites[site] = list = [];
            }

            var document = hosts.GetValueOrDefault(host.Host);
            list.Add(nodes is not null ? Drawn(host, document, nodes) : Counted(host, document, tallies!.GetValueOrDefault(host.Host)));
        }

        return [.. sites.Select(s => new MapSite(s.Key.Name, s.Key.Kind, [.. s.Value.OrderBy(h => h.Name, StringComparer.Ordinal)]))];
    }

    private static MapHost Drawn(RenderedHost host, HostStatusDocument? document, Dictionary<string, NodeStatus> nodes)
    {
        var metal = host.Metal is { } claim ? Vm(claim.Node, claim.Cluster, 0, 0, nodes.GetValueOrDefault(claim.Node)) : null;
        ImmutableArray<MapVm> vms = [.. host.Microvms.Select(vm => Vm(vm.Id, vm.Cluster, vm.Vcpu, vm.MemoryMiB, nodes.GetValueOrDefault(vm.Id))).OrderBy(v => v.Id, StringComparer.Ordinal)];
        return With(new MapHost(host.Host, host.Capacity, host.Allocatable, document?.Capacity ?? host.Capacity, MapTally.Of(vms, metal)) { Vms = vms, Metal = metal }, document);
    }

    private static MapHost Counted(RenderedHost host, HostStatusDocument? document, (int[] States, NodeStatus? Metal)? counted)
    {
        var states = counted?.States ?? new int[MapTally.Empty.States.Length];

        // A VM no cluster's status names is one of a cluster the fleet no longer has, on a host being emptied: pending.
        states[(int)MapState.Pending] += Math.Max(0, host.Microvms.Length + (host.Metal is null ? 0 : 1) - states.Sum());
        var metal = host.Metal is { } claim ? Vm(claim.Node, claim.Cluster, 0, 0, counted?.Metal) : null;
        return With(new MapHost(host.Host, host.Capacity, host.Allocatable, document?.Capacity ?? host.Capacity, new MapTally([.. states], host.Microvms.Length, host.Allocated)) { Metal = metal }, document);
    }

    /// <summary>Each host's nodes counted by state, and its metal node, from the clusters' documents (a node names its host).</summary>
    private static Dictionary<string, (int[] States, NodeStatus? Metal)> Tallies(IReadOnlyList<RenderedHost> rendered, IReadOnlyList<ClusterStatusDocument> clusters)
    {
        var tallies = new Dictionary<string, (int[] States, NodeStatus? Metal)>(rendered.Count, StringComparer.Ordinal);
        foreach (var host in rendered)
        {
            tallies.TryAdd(host.Host, (new int[MapTally.Empty.States.Length], null));
        }

        foreach (var cluster in clusters)
        {
            foreach (var node in cluster.Nodes)
            {
                if (node.Host is { } name && tallies.TryGetValue(name, out var tally))
                {
                    tally.States[(int)Look(node)]++;
                    if (node.Role == RoleNames.Metal)
                    {
                        tallies[name] = tally with { Metal = node };
                    }
                }
            }
        }

        return tallies;
    }

    private static MapHost With(MapHost host, HostStatusDocument? document) => host with
    {
        Reachable = document?.Reachable ?? false,
        Error = document is null ? "no status recorded" : document.Error,
        Failing = document is null || document.Conditions.All(c => c.Status) ? [] : [.. document.Conditions.Where(c => !c.Status).Select(c => $"{c.Type}=False {c.Reason}")],
    };

    private static MapVm Vm(string id, string cluster, int vcpu, long memoryMiB, NodeStatus? node) =>
        new(id, cluster, vcpu, memoryMiB, node is null ? "leaving" : node.Kubernetes is null ? node.State : $"{node.State}, Kubernetes {node.Kubernetes}", Look(node));

    /// <summary>A node's state as the map shows it; a VM of no cluster the fleet still has (on a host being emptied) is on its way out: pending.</summary>
    private static MapState Look(NodeStatus? node) => node?.State switch
    {
        null => MapState.Pending,
        "Failed" => MapState.Failed,
        "Unknown" => MapState.Unknown,
        "Running" or "Ready" => node.Kubernetes is null or "Ready" ? MapState.Running : MapState.NotReady,
        _ => MapState.Pending,
    };
}
