using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Fleet.Tests.Placement;

/// <summary>
/// Placement as its rules define it, by looking at every host for every node: the oracle the indexed
/// <see cref="Placer"/> must agree with, node for node. Slow on purpose (nodes x hosts) and short enough to read
/// against the rules in Placer's summary.
/// </summary>
internal static class ScanPlacer
{
    public static Dictionary<string, string> Place(FleetDefinition fleet, IReadOnlyDictionary<string, PlacedNode>? previous = null)
    {
        previous ??= new Dictionary<string, PlacedNode>();
        var hosts = fleet.Hosts.Select(h => new Slot(h, fleet.Settings.CpuOvercommit)).ToArray();
        var nodes = DesiredNode.Enumerate(fleet);
        var placed = new Dictionary<string, string>(StringComparer.Ordinal);
        var onHost = new Dictionary<(string Pool, string Host), int>();
        var inDomain = new Dictionary<(string Pool, string Domain), int>();

        void Assign(DesiredNode node, Slot host)
        {
            if (node.IsMetal)
            {
                host.Claimed = true;
            }
            else
            {
                host.Cpu += node.Size.Cpu * 1000;
                host.Memory += node.Size.MemoryMiB;
                host.Vms++;
            }

            var pool = node.Cluster.Name + "/" + node.Ref.Pool;
            onHost[(pool, host.Def.Name)] = onHost.GetValueOrDefault((pool, host.Def.Name)) + 1;
            inDomain[(pool, host.Def.FailureDomain)] = inDomain.GetValueOrDefault((pool, host.Def.FailureDomain)) + 1;
            placed[node.Name] = host.Def.Name;
        }

        int OnHost(DesiredNode node, Slot host) => onHost.GetValueOrDefault((node.Cluster.Name + "/" + node.Ref.Pool, host.Def.Name));

        int InDomain(DesiredNode node, Slot host) => inDomain.GetValueOrDefault((node.Cluster.Name + "/" + node.Ref.Pool, host.Def.FailureDomain));

        bool Allows(DesiredNode node, Slot host)
        {
            if (!HostIndex.Matches(host.Def, node.Cluster.HostSelector) || (node.Pool is not null && !HostIndex.Matches(host.Def, node.Pool.HostSelector)))
            {
                return false;
            }

            if (node.IsMetal)
            {
                return host.Def.Roles.HasFlag(HostRoles.Metal) && !host.Claimed && host.Vms == 0
                    && (node.Pool is null || (host.Def.Allocatable.Cpu >= node.Pool.Vcpu && host.Def.Allocatable.MemoryMiB >= node.Pool.MemoryMiB));
            }

            var fits = host.Cpu + (node.Size.Cpu * 1000) <= host.CpuCapacity && host.Memory + node.Size.MemoryMiB <= host.Def.Allocatable.MemoryMiB;
            if (!host.Def.Roles.HasFlag(HostRoles.Microvm) || host.Claimed || !fits)
            {
                return false;
            }

            return node.Ref.Role != NodeRole.ControlPlane || (host.Def.ControlPlaneAllowed && OnHost(node, host) == 0);
        }

        foreach (var keep in new Func<DesiredNode, PlacedNode, bool>[]
                 {
                     (n, _) => n.IsMetal,
                     (n, b) => !n.IsMetal && n.Size.Cpu <= b.Size.Cpu && n.Size.MemoryMiB <= b.Size.MemoryMiB,
                     (n, b) => !n.IsMetal && (n.Size.Cpu > b.Size.Cpu || n.Size.MemoryMiB > b.Size.MemoryMiB),
                 })
        {
            foreach (var node in nodes)
            {
                if (previous.TryGetValue(node.Name, out var before) && !placed.ContainsKey(node.Name)
                    && hosts.FirstOrDefault(h => h.Def.Name == before.Host) is { } host && keep(node, before) && Allows(node, host))
                {
                    Assign(node, host);
                }
            }
        }

        foreach (var role in new[] { NodeRole.Metal, NodeRole.ControlPlane, NodeRole.Worker })
        {
            foreach (var node in nodes.Where(n => n.Ref.Role == role && !placed.ContainsKey(n.Name)))
            {
                // Smallest rank wins; the host's place in the fleet's (name) order breaks ties.
                var allowed = hosts.Select((h, i) => (Host: h, Index: i)).Where(x => Allows(node, x.Host)).ToList();
                var best = role switch
                {
                    NodeRole.Metal => allowed.OrderBy(x => InDomain(node, x.Host)),
                    NodeRole.ControlPlane => allowed.OrderBy(x => InDomain(node, x.Host)).ThenBy(x => x.Host.Load),
                    _ when fleet.Settings.WorkerSpread == WorkerSpreadPolicy.Pack => allowed.OrderByDescending(x => x.Host.Load),
                    _ => allowed.OrderBy(x => OnHost(node, x.Host)).ThenBy(x => InDomain(node, x.Host)).ThenBy(x => x.Host.Load),
                };
                if (best.ThenBy(x => x.Index).FirstOrDefault() is { Host: not null } chosen)
                {
                    Assign(node, chosen.Host);
                }
            }
        }

        return placed;
    }

    private sealed class Slot(HostDefinition definition, double overcommit)
    {
        public HostDefinition Def { get; } = definition;

        public long CpuCapacity { get; } = (long)Math.Floor(definition.Allocatable.Cpu * overcommit * 1000);

        public long Cpu { get; set; }

        public long Memory { get; set; }

        public int Vms { get; set; }

        public bool Claimed { get; set; }

        public double Load => Math.Max(CpuCapacity == 0 ? 1 : (double)Cpu / CpuCapacity, Def.Allocatable.MemoryMiB == 0 ? 1 : (double)Memory / Def.Allocatable.MemoryMiB);
    }
}
