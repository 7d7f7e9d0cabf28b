using System.Collections.Immutable;
using System.Globalization;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Scheduling;

/// <summary>The outcome of placement: which host runs each node, and why any node could not be placed.</summary>
public sealed record PlacementResult(Placement Placement, ImmutableArray<DesiredNode> Nodes, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Diagnostics.IsEmpty;

    /// <summary>Each microVM node's address on its cluster's network (<see cref="Addresser"/>), keyed by node name.</summary>
    public ImmutableSortedDictionary<string, NodeAddress> Addresses { get; init; } = ImmutableSortedDictionary<string, NodeAddress>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>
/// Assigns every node of a valid fleet to a host.
/// <list type="bullet">
/// <item>Stable: nodes keep their previous host while it is still allowed and has room; nodes that did not
/// grow are kept before nodes that grew, so resizing one cluster can never push another cluster's node away.</item>
/// <item>Rules: control-plane replicas on distinct hosts with <c>controlPlaneAllowed</c>, new ones in failure
/// domains the cluster's control plane does not use yet; workers spread (fewest of their pool on the host and in
/// the failure domain, then least loaded) or packed (fullest host that fits); vCPU up to allocatable times the
/// overcommit ratio, memory never overcommitted; selectors; metal pools claim whole hosts that run no microVMs.</item>
/// <item>Deterministic: ties are broken by host name; no hashing order, no clock, no randomness.</item>
/// </list>
/// Cost: O(nodes × labels per host × log hosts) to keep the load orders, plus, per node, the hosts its search skips:
/// those its pool already uses and those too full for it, plus the domains when every one holds the pool. O(nodes ×
/// selected hosts) only when nearly every selected host is full or already holds the pool, or when the selection
/// misses the fleet's least-used domains (no host in it can reach the best possible rank).
/// </summary>
public static class Placer
{
    private const long Milli = 1000;

    public static PlacementResult Place(FleetDefinition fleet, IReadOnlyDictionary<string, PlacedNode>? previous = null)
    {
        var nodes = DesiredNode.Enumerate(fleet);
        previous ??= new Dictionary<string, PlacedNode>();

        // Addresses do not depend on hosts: they are given on another core while the nodes are placed on this one.
        var addresses = nodes.Count > 1000 ? Task.Run(() => Addresser.Assign(fleet, nodes, previous)) : null;
        var state = new State(fleet);
        var placed = new Dictionary<string, int>(StringComparer.Ordinal);

        // 1. Keep: metal claims first (they need empty hosts), then microVMs that did not grow, then those that grew.
        foreach (var pass in new[] { KeepPass.Metal, KeepPass.NotGrown, KeepPass.Grown })
        {
            foreach (var node in nodes)
            {
                if (!previous.TryGetValue(node.Name, out var before) || !state.IndexByName.TryGetValue(before.Host, out var host))
                {
                    continue;
                }

                var grown = node.Size.Cpu > before.Size.Cpu || node.Size.MemoryMiB > before.Size.MemoryMiB;
                var belongs = pass switch
                {
                    KeepPass.Metal => node.IsMetal,
                    KeepPass.NotGrown => !node.IsMetal && !grown,
                    _ => !node.IsMetal && grown,
                };
                var pool = state.PoolOf(node);
                if (belongs && state.Allows(node, pool, host))
                {
                    state.Assign(node, pool, host);
                    placed[node.Name] = host;
                }
            }
        }

        // 2. Place the rest: metal claims, then control planes (the hardest rules), then workers.
        var failures = new Dictionary<(string Cluster, string Path), Failure>();
        foreach (var kind in new[] { NodeRole.Metal, NodeRole.ControlPlane, NodeRole.Worker })
        {
            foreach (var node in nodes)
            {
                if (node.Ref.Role != kind || placed.ContainsKey(node.Name))
                {
                    continue;
                }

                var pool = state.PoolOf(node);
                var host = kind switch
                {
                    NodeRole.Metal => state.BestMetal(node, pool),
                    NodeRole.ControlPlane => state.BestControlPlane(node, pool),
                    _ => fleet.Settings.WorkerSpread == WorkerSpreadPolicy.Pack ? state.BestPacked(node, pool) : state.BestSpread(node, pool),
                };
                if (host >= 0)
                {
                    state.Assign(node, pool, host);
                    placed[node.Name] = host;
                }
                else
                {
                    var key = (node.Cluster.Name, node.PoolPath);
                    if (failures.TryGetValue(key, out var failure))
                    {
                        failure.Count++;
                    }
                    else
                    {
                        failures[key] = new Failure(node, state.Explain(node));
                    }
                }
            }
        }

        var diagnostics = failures.Values
            .Select(f => new Diagnostic(
                fleet.Sources.Find(f.First.Cluster.File, f.First.PoolPath + ".replicas"),
                f.Count == 1 ? f.Reason : $"{f.Reason} ({f.Count} nodes of this pool could not be placed)"))
            .OrderBy(d => d.Location.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location.Line)
            .ToImmutableArray();

        var byNode = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (node, host) in placed)
        {
            byNode[node] = state.Hosts[host].Definition.Name;
        }

        return new PlacementResult(new Placement(byNode.ToImmutable()), [.. nodes], diagnostics)
        {
            Addresses = addresses?.GetAwaiter().GetResult() ?? Addresser.Assign(fleet, nodes, previous),
        };
    }

    private enum KeepPass
    {
        Metal,
        NotGrown,
        Grown,
    }

    private sealed class Failure(DesiredNode first, string reason)
    {
        public DesiredNode First { get; } = first;

        public string Reason { get; } = reason;

        public int Count { get; set; } = 1;
    }

    private sealed class HostState(HostDefinition definition, int index, int domain, double overcommit)
    {
        public HostDefinition Definition { get; } = definition;

        public int Index { get; } = index;

        /// <summary>The failure domain as a number, so counting a pool's nodes per domain hashes no strings.</summary>
        public int Domain { get; } = domain;

        public long CpuCapacity { get; } = (long)Math.Floor(definition.Allocatable.Cpu * overcommit * Milli);

        public long MemoryCapacity { get; } = definition.Allocatable.MemoryMiB;

        public long CpuUsed { get; set; }

        public long MemoryUsed { get; set; }

        public int Vms { get; set; }

        public bool Claimed { get; set; }

        /// <summary>The load orders this host is in (every host's, and one per label it carries), while it runs microVMs.</summary>
        public List<SortedSet<HostState>> Orders { get; } = [];

        /// <summary>The load this host is filed under in its orders: <see cref="Load"/> when it was last filed.</summary>
        public double OrderedLoad { get; set; }

        /// <summary>Dominant share: the fuller of vCPU and memory, 0..1.</summary>
        public double Load => Math.Max(CpuCapacity == 0 ? 1 : (double)CpuUsed / CpuCapacity, MemoryCapacity == 0 ? 1 : (double)MemoryUsed / MemoryCapacity);

        public bool Fits(Resources size) => CpuUsed + (size.Cpu * Milli) <= CpuCapacity && MemoryUsed + size.MemoryMiB <= MemoryCapacity;

        public bool RunsMicrovms => Definition.Roles.HasFlag(HostRoles.Microvm) && !Claimed;
    }

    /// <summary>
    /// Least loaded first, then fleet order. The orders hold the hosts themselves, not (load, index) tuples: a set of a
    /// reference type runs the framework's precompiled code, where a set of tuples was compiled at startup, and a cold
    /// 1,000-host placement ran it unoptimized.
    /// </summary>
    private sealed class LoadOrder : IComparer<HostState>
    {
        public static readonly LoadOrder Instance = new();

        public int Compare(HostState? x, HostState? y)
        {
            var byLoad = x!.OrderedLoad.CompareTo(y!.OrderedLoad);
            return byLoad != 0 ? byLoad : x.Index.CompareTo(y.Index);
        }
    }

    /// <summary>How many nodes of one pool (or one cluster's control plane) each host and each failure domain holds.</summary>
    private sealed class PoolCounts
    {
        public Dictionary<int, int> OnHost { get; } = [];

        public Dictionary<int, int> InDomain { get; } = [];
    }

    /// <summary>
    /// Placement's running state. Hosts that run microVMs are kept in load order (least loaded first, then fleet order)
    /// twice over: all of them, and per label. A node walks the order of its selectors' rarest label from the least
    /// loaded host, and stops at the first host that no rank could beat, so a search costs the hosts it skips (those its
    /// pool already uses, and those that are full) plus log hosts, whatever the selectors. A change of load moves a host
    /// in each order it is in: log hosts per label.
    /// </summary>
    private sealed class State
    {
        private static readonly SortedSet<HostState> Empty = new(LoadOrder.Instance);
        private readonly SortedSet<HostState> _all = new(LoadOrder.Instance);
        private readonly Dictionary<(string Key, string Value), SortedSet<HostState>> _byLabel = [];
        private readonly Dictionary<string, PoolCounts> _pools = new(StringComparer.Ordinal);
        private readonly List<int> _metalHosts = [];

        public State(FleetDefinition fleet)
        {
            // Only the orders a search can walk are kept up to date: every host's while some cluster selects no label,
            // and one per label that a selector names. A label no selector names (a sled's number, a rack) cost a
            // removal and an insertion in its order at every placement, and was never read.
            var everyHost = false;
            var named = new HashSet<(string Key, string Value)>();
            foreach (var cluster in fleet.Clusters)
            {
                everyHost |= cluster.HostSelector.IsEmpty;
                named.UnionWith(cluster.HostSelector.Select(label => (label.Key, label.Value)));
                foreach (var pool in cluster.WorkerPools)
                {
                    named.UnionWith(pool.HostSelector.Select(label => (label.Key, label.Value)));
                }
            }

            var overcommit = fleet.Settings.CpuOvercommit;
            var domains = new Dictionary<string, int>(StringComparer.Ordinal);
            Hosts = new HostState[fleet.Hosts.Length];
            for (var i = 0; i < Hosts.Length; i++)
            {
                var definition = fleet.Hosts[i];
                if (!domains.TryGetValue(definition.FailureDomain, out var domain))
                {
                    domains[definition.FailureDomain] = domain = domains.Count;
                }

                var host = Hosts[i] = new HostState(definition, i, domain, overcommit);
                Domains = domains.Count;
                IndexByName[definition.Name] = i;
                if (definition.Roles.HasFlag(HostRoles.Metal))
                {
                    _metalHosts.Add(i);
                }

                if (definition.Roles.HasFlag(HostRoles.Microvm))
                {
                    if (everyHost)
                    {
                        host.Orders.Add(_all);
                    }

                    foreach (var label in definition.Labels)
                    {
                        if (!named.Contains((label.Key, label.Value)))
                        {
                            continue;
                        }

                        if (!_byLabel.TryGetValue((label.Key, label.Value), out var order))
                        {
                            _byLabel[(label.Key, label.Value)] = order = new(LoadOrder.Instance);
                        }

                        host.Orders.Add(order);
                    }

                    host.OrderedLoad = host.Load;
                    foreach (var order in host.Orders)
                    {
                        order.Add(host);
                    }
                }
            }
        }

        public HostState[] Hosts { get; }

        /// <summary>How many failure domains the fleet has.</summary>
        public int Domains { get; private set; }

        public Dictionary<string, int> IndexByName { get; } = new(StringComparer.Ordinal);

        /// <summary>The counts of a node's pool, made on first use.</summary>
        public PoolCounts PoolOf(DesiredNode node)
        {
            var key = node.Cluster.Name + "/" + node.Ref.Pool;
            if (!_pools.TryGetValue(key, out var counts))
            {
                _pools[key] = counts = new PoolCounts();
            }

            return counts;
        }

        /// <summary>Whether <paramref name="node"/> may run on host <paramref name="index"/> now (rules and room).</summary>
        public bool Allows(DesiredNode node, PoolCounts pool, int index)
        {
            var host = Hosts[index];
            if (!Selected(node, host.Definition))
            {
                return false;
            }

            if (node.IsMetal)
            {
                return host.Definition.Roles.HasFlag(HostRoles.Metal) && !host.Claimed && host.Vms == 0 && MeetsMinimum(node, host.Definition);
            }

            if (!host.RunsMicrovms || !host.Fits(node.Size))
            {
                return false;
            }

            return node.Ref.Role != NodeRole.ControlPlane || (host.Definition.ControlPlaneAllowed && pool.OnHost.GetValueOrDefault(index) == 0);
        }

        public void Assign(DesiredNode node, PoolCounts pool, int index)
        {
            var host = Hosts[index];
            foreach (var order in host.Orders)
            {
                order.Remove(host);
            }

            if (node.IsMetal)
            {
                host.Claimed = true;
                host.Orders.Clear(); // a claimed host runs no microVMs: no order offers it again
            }
            else
            {
                host.CpuUsed += node.Size.Cpu * Milli;
                host.MemoryUsed += node.Size.MemoryMiB;
                host.Vms++;
            }

            host.OrderedLoad = host.Load;
            foreach (var order in host.Orders)
            {
                order.Add(host);
            }

            pool.OnHost[index] = pool.OnHost.GetValueOrDefault(index) + 1;
            pool.InDomain[host.Domain] = pool.InDomain.GetValueOrDefault(host.Domain) + 1;
        }

        public int BestControlPlane(DesiredNode node, PoolCounts pool)
        {
            // Distinct hosts are a rule (Allows); a failure domain the control plane does not use yet is a preference,
            // then the least loaded host. In load order the first allowed host in an unused domain cannot be beaten.
            var best = -1;
            var bestDomain = int.MaxValue;
            var floor = Floor(pool);
            foreach (var host in Order(node))
            {
                var index = host.Index;
                if (!Allows(node, pool, index))
                {
                    continue;
                }

                var domain = pool.InDomain.GetValueOrDefault(Hosts[index].Domain);
                if (domain < bestDomain)
                {
                    (best, bestDomain) = (index, domain);
                    if (domain == floor)
                    {
                        break;
                    }
                }
            }

            return best;
        }

        public int BestSpread(DesiredNode node, PoolCounts pool)
        {
            // Fewest of the pool on the host, then in its failure domain, then the least loaded: in load order the
            // first allowed host holding none of the pool, in a domain holding none, cannot be beaten.
            var best = -1;
            var bestKey = (Host: int.MaxValue, Domain: int.MaxValue);
            var floor = (0, Floor(pool));
            foreach (var host in Order(node))
            {
                var index = host.Index;
                if (!Allows(node, pool, index))
                {
                    continue;
                }

                var key = (pool.OnHost.GetValueOrDefault(index), pool.InDomain.GetValueOrDefault(Hosts[index].Domain));
                if (key.CompareTo(bestKey) < 0)
                {
                    (best, bestKey) = (index, key);
                    if (key == floor)
                    {
                        break;
                    }
                }
            }

            return best;
        }

        public int BestPacked(DesiredNode node, PoolCounts pool)
        {
            // The fullest host that fits, ties by fleet order: walk the load order from the top, through the hosts
            // as full as the first that fits (the order holds them by index descending there), and stop below it.
            var best = -1;
            var bestLoad = -1.0;
            foreach (var host in Order(node).Reverse())
            {
                var (load, index) = (host.OrderedLoad, host.Index);
                if (best >= 0 && load < bestLoad)
                {
                    break;
                }

                if (Allows(node, pool, index))
                {
                    (best, bestLoad) = (index, load);
                }
            }

            return best;
        }

        public int BestMetal(DesiredNode node, PoolCounts pool)
        {
            var best = -1;
            var bestDomain = int.MaxValue;
            foreach (var index in _metalHosts)
            {
                if (Allows(node, pool, index))
                {
                    var domain = pool.InDomain.GetValueOrDefault(Hosts[index].Domain);
                    if (domain < bestDomain)
                    {
                        (best, bestDomain) = (index, domain);
                    }
                }
            }

            return best;
        }

        /// <summary>
        /// The fewest nodes of the pool any failure domain holds: 0 while some domain holds none, else the least count.
        /// No host can rank better than a domain at the floor, so a search that finds one (on a host without the pool)
        /// stops there; a pool larger than the number of domains would otherwise look at every host for each node.
        /// </summary>
        private int Floor(PoolCounts pool) => pool.InDomain.Count < Domains ? 0 : pool.InDomain.Values.Min();

        /// <summary>Why <paramref name="node"/> cannot be placed: the rule that excludes every host, or the capacity shortfall.</summary>
        public string Explain(DesiredNode node)
        {
            var what = node.Ref.Role switch
            {
                NodeRole.ControlPlane => $"control-plane node, {node.Size.Cpu} vCPU, {node.Size.MemoryMiB} MiB",
                NodeRole.Metal => "metal node, a whole host",
                _ => $"worker, {node.Size.Cpu} vCPU, {node.Size.MemoryMiB} MiB",
            };
            var prefix = $"cluster {node.Cluster.Name}: cannot place {node.Name} ({what})";
            var selected = Hosts.Where(h => Selected(node, h.Definition)).ToList();
            if (node.IsMetal)
            {
                var metal = selected.Where(h => h.Definition.Roles.HasFlag(HostRoles.Metal)).ToList();
                var claimed = metal.Count(h => h.Claimed);
                var busy = metal.Count(h => !h.Claimed && h.Vms > 0);
                var small = metal.Count(h => !h.Claimed && h.Vms == 0 && !MeetsMinimum(node, h.Definition));
                return $"{prefix}: rule 'metal pools claim whole free hosts with role metal': of {metal.Count} selected metal host(s), {claimed} already claimed, {busy} running microVMs, {small} below the pool's minimum size";
            }

            var usable = selected.Where(h => h.RunsMicrovms).ToList();
            if (node.Ref.Role == NodeRole.ControlPlane)
            {
                usable = usable.Where(h => h.Definition.ControlPlaneAllowed).ToList();
                var free = usable.Where(h => PoolOf(node).OnHost.GetValueOrDefault(h.Index) == 0).ToList();
                if (free.Count == 0)
                {
                    return $"{prefix}: rule 'control-plane replicas on distinct hosts': all {usable.Count} host(s) that allow control planes already run one of {node.Cluster.Name}'s";
                }

                usable = free;
            }

            if (usable.Count == 0)
            {
                return $"{prefix}: rule 'hostSelector and roles': no selected host runs microVMs";
            }

            var roomiest = usable.OrderByDescending(h => Math.Min((double)(h.CpuCapacity - h.CpuUsed) / Math.Max(1, node.Size.Cpu * Milli), (double)(h.MemoryCapacity - h.MemoryUsed) / Math.Max(1, node.Size.MemoryMiB)))
                .ThenBy(h => h.Index)
                .First();
            var freeCpu = (roomiest.CpuCapacity - roomiest.CpuUsed) / (double)Milli;
            var freeMemory = roomiest.MemoryCapacity - roomiest.MemoryUsed;
            var shortCpu = Math.Max(0, node.Size.Cpu - freeCpu);
            var shortMemory = Math.Max(0, node.Size.MemoryMiB - freeMemory);
            var missing = new List<string>();
            if (shortCpu > 0)
            {
                missing.Add($"{Format(shortCpu)} vCPU");
            }

            if (shortMemory > 0)
            {
                missing.Add($"{shortMemory} MiB memory");
            }

            return $"{prefix}: rule 'capacity': none of the {usable.Count} eligible host(s) has room; the roomiest, {roomiest.Definition.Name}, has {Format(freeCpu)} vCPU and {freeMemory} MiB free (short {string.Join(" and ", missing)})";
        }

        private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

        private static bool MeetsMinimum(DesiredNode node, HostDefinition host) =>
            node.Pool is null || (host.Allocatable.Cpu >= node.Pool.Vcpu && host.Allocatable.MemoryMiB >= node.Pool.MemoryMiB);

        private static bool Selected(DesiredNode node, HostDefinition host) =>
            HostIndex.Matches(host, node.Cluster.HostSelector) && (node.Pool is null || HostIndex.Matches(host, node.Pool.HostSelector));

        /// <summary>
        /// The load order to walk for a node: that of the label, among its selectors', that the fewest hosts carry (a
        /// host outside the selectors is skipped by <see cref="Allows"/>), or every host's when it has no selector.
        /// </summary>
        private SortedSet<HostState> Order(DesiredNode node)
        {
            var order = _all;
            foreach (var selector in node.Pool is null ? [node.Cluster.HostSelector] : new[] { node.Cluster.HostSelector, node.Pool.HostSelector })
            {
                foreach (var (key, value) in selector)
                {
                    if (!_byLabel.TryGetValue((key, value), out var labelled))
                    {
                        return Empty;
                    }

                    if (order == _all || labelled.Count < order.Count)
                    {
                        order = labelled;
                    }
                }
            }

            return order;
        }
    }
}
