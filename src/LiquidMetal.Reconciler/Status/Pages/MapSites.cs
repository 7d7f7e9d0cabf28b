using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>The capacity map's input from one composed status: every host told something, grouped by site, with each node's state.</summary>
public static class MapSites
{
    /// <summary>The host label that names a host's site; a host without it is grouped by its failure domain.</summary>
    public const string SiteLabel = "liquidmetal.dev/site";

    /// <param name="fleet">The hosts' labels (a departed host, no longer in it, is grouped by its recorded failure domain).</param>
    /// <param name="rendered">What each host was told: its VMs and their sizes.</param>
    /// <param name="hosts">Each host's status document, by name.</param>
    /// <param name="nodes">Each node's status, by name.</param>
    public static ImmutableArray<MapSite> Of(
        FleetDefinition fleet, IEnumerable<RenderedHost> rendered, IReadOnlyDictionary<string, HostStatusDocument> hosts, IReadOnlyDictionary<string, NodeStatus> nodes)
    {
        var labels = new Dictionary<string, ImmutableSortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var host in fleet.Hosts)
        {
            labels.TryAdd(host.Name, host.Labels);
        }

        var sites = new SortedDictionary<(string Name, string Kind), List<MapHost>>(Comparer<(string Name, string Kind)>.Create(
            (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : string.CompareOrdinal(a.Kind, b.Kind)));
        foreach (var host in rendered)
        {
            var site = labels.GetValueOrDefault(host.Host)?.GetValueOrDefault(SiteLabel) is { Length: > 0 } name ? (name, "site") : (host.FailureDomain, "failure domain");
            if (!sites.TryGetValue(site, out var list))
            {
                sites[site] = list = [];
            }

            list.Add(Host(host, hosts.GetValueOrDefault(host.Host), nodes));
        }

        return [.. sites.Select(s => new MapSite(s.Key.Name, s.Key.Kind, [.. s.Value.OrderBy(h => h.Name, StringComparer.Ordinal)]))];
    }

    private static MapHost Host(RenderedHost host, HostStatusDocument? document, IReadOnlyDictionary<string, NodeStatus> nodes)
    {
        var vms = host.Microvms.Select(vm => Vm(vm.Id, vm.Cluster, vm.Vcpu, vm.MemoryMiB, nodes.GetValueOrDefault(vm.Id))).OrderBy(v => v.Id, StringComparer.Ordinal);
        return new MapHost(host.Host, host.Capacity, host.Allocatable, document?.Capacity ?? host.Capacity, [.. vms])
        {
            Reachable = document?.Reachable ?? false,
            Error = document is null ? "no status recorded" : document.Error,
            Metal = host.Metal is { } metal ? Vm(metal.Node, metal.Cluster, 0, 0, nodes.GetValueOrDefault(metal.Node)) : null,
            Failing = document is null ? [] : [.. document.Conditions.Where(c => !c.Status).Select(c => $"{c.Type}=False {c.Reason}")],
        };
    }

    private static MapVm Vm(string id, string cluster, int vcpu, long memoryMiB, NodeStatus? node)
    {
        if (node is null)
        {
            // A VM of a cluster the fleet no longer has, on a host being emptied.
            return new MapVm(id, cluster, vcpu, memoryMiB, "leaving", MapState.Pending);
        }

        var look = node.State switch
        {
            "Failed" => MapState.Failed,
            "Unknown" => MapState.Unknown,
            "Running" or "Ready" => node.Kubernetes is null or "Ready" ? MapState.Running : MapState.NotReady,
            _ => MapState.Pending,
        };
        return new MapVm(id, cluster, vcpu, memoryMiB, node.Kubernetes is null ? node.State : $"{node.State}, Kubernetes {node.Kubernetes}", look);
    }
}
