using System.Collections.Immutable;
using System.Globalization;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Scheduling;

/// <summary>The outcome of placement: which host runs each node, and why any node could not be placed.</summary>
public sealed record PlacementResult(Placement Placement, ImmutableArray<DesiredNode> Nodes, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Diagnostics.IsEmpty;
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
/// Cost: O(nodes × log hosts) when candidates are found early in load order, O(nodes × selected hosts) at worst.
/// </summary>
public static class Placer
{
    private const long Milli = 1000;

    public static PlacementResult Place(FleetDefinition fleet, IReadOnlyDictionary<string, PlacedNode>? previous = null)
    {
        var state = new State(fleet);
        var nodes = DesiredNode.Enumerate(fleet);
        var placed = new Dictionary<string, int>(StringComparer.Ordinal);
        previous ??= new Dictionary<string, PlacedNode>();

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
                if (belongs && state.Allows(node, host))
                {
                    state.Assign(node, host);
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

                var host = kind switch
                {
                    NodeRole.Metal => state.BestMetal(node),
                    NodeRole.ControlPlane => state.BestControlPlane(node),
                    _ => fleet.Settings.WorkerSpread == WorkerSpreadPolicy.Pack ? state.BestPacked(node) : state.BestSpread(node),
                };
                if (host >= 0)
                {
                    state.Assign(node, host);
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

        return new PlacementResult(new Placement(byNode.ToImmutable()), [.. nodes], diagnostics);
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

    private sealed class HostState(HostDefinition definition, int index, double overcommit)
    {
        public HostDefinition Definition { get; } = definition;

        public int Index { get; } = index;

        public long CpuCapacity { get; } = (long)Math.Floor(definition.Allocatable.Cpu * overcommit * Milli);

        public long MemoryCapacity { get; } = definition.Allocatable.MemoryMiB;

        public long CpuUsed { get; set; }

        public long MemoryUsed { get; set; }

        public int Vms { get; set; }

        public bool Claimed { get; set; }

        /// <summary>Dominant share: the fuller of vCPU and memory, 0..1.</summary>
        public double Load => Math.Max(CpuCapacity == 0 ? 1 : (double)CpuUsed / CpuCapacity, MemoryCapacity == 0 ? 1 : (double)MemoryUsed / MemoryCapacity);

        public bool Fits(Resources size) => CpuUsed + (size.Cpu * Milli) <= CpuCapacity && MemoryUsed + size.MemoryMiB <= MemoryCapacity;

        public bool RunsMicrovms => Definition.Roles.HasFlag(HostRoles.Microvm) && !Claimed;
    }

    private sealed class State
    {
        private readonly SortedSet<(double Load, int Index)> _byLoad = [];
        private readonly HostIndex _index;
        private readonly Dictionary<string, Dictionary<int, int>> _poolOnHost = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, int>> _poolInDomain = new(StringComparer.Ordinal);
        private readonly List<int> _metalHosts = [];

        public State(FleetDefinition fleet)
        {
            var overcommit = fleet.Settings.CpuOvercommit;
            Hosts = [.. fleet.Hosts.Select((h, i) => new HostState(h, i, overcommit))];
            _index = new HostIndex(fleet.Hosts);
            foreach (var host in Hosts)
            {
                IndexByName[host.Definition.Name] = host.Index;

                if (host.Definition.Roles.HasFlag(HostRoles.Microvm))
                {
                    _byLoad.Add((host.Load, host.Index));
                }

                if (host.Definition.Roles.HasFlag(HostRoles.Metal))
                {
                    _metalHosts.Add(host.Index);
                }
            }
        }

        public HostState[] Hosts { get; }

        public Dictionary<string, int> IndexByName { get; } = new(StringComparer.Ordinal);

        /// <summary>Whether <paramref name="node"/> may run on host <paramref name="index"/> now (rules and room).</summary>
        public bool Allows(DesiredNode node, int index)
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

            return node.Ref.Role != NodeRole.ControlPlane || (host.Definition.ControlPlaneAllowed && OnHost(node, index) == 0);
        }

        public void Assign(DesiredNode node, int index)
        {
            var host = Hosts[index];
            if (node.IsMetal)
            {
                host.Claimed = true;
                _byLoad.Remove((host.Load, host.Index));
            }
            else
            {
                var inSet = _byLoad.Remove((host.Load, host.Index));
                host.CpuUsed += node.Size.Cpu * Milli;
                host.MemoryUsed += node.Size.MemoryMiB;
                host.Vms++;
                if (inSet)
                {
                    _byLoad.Add((host.Load, host.Index));
                }
            }

            var key = PoolKey(node);
            if (!_poolOnHost.TryGetValue(key, out var onHost))
            {
                _poolOnHost[key] = onHost = [];
                _poolInDomain[key] = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            onHost[index] = onHost.GetValueOrDefault(index) + 1;
            var domains = _poolInDomain[key];
            domains[host.Definition.FailureDomain] = domains.GetValueOrDefault(host.Definition.FailureDomain) + 1;
        }

        public int BestControlPlane(DesiredNode node)
        {
            // Distinct hosts are a rule (Allows); a new failure domain is a preference, then the least loaded host.
            var best = -1;
            var bestKey = (Domain: int.MaxValue, Load: double.MaxValue);
            foreach (var index in Candidates(node))
            {
                if (!Allows(node, index))
                {
                    continue;
                }

                var key = (InDomain(node, index), Hosts[index].Load);
                if (key.CompareTo(bestKey) < 0)
                {
                    (best, bestKey) = (index, key);
                    if (key.Item1 == 0 && UsesLoadOrder(node))
                    {
                        break; // load order: nothing later can beat an unused failure domain on the least-loaded host
                    }
                }
            }

            return best;
        }

        public int BestSpread(DesiredNode node)
        {
            var best = -1;
            var bestKey = (Host: int.MaxValue, Domain: int.MaxValue, Load: double.MaxValue);
            foreach (var index in Candidates(node))
            {
                if (!Allows(node, index))
                {
                    continue;
                }

                var key = (OnHost(node, index), InDomain(node, index), Hosts[index].Load);
                if (key.CompareTo(bestKey) < 0)
                {
                    (best, bestKey) = (index, key);
                    if (key.Item1 == 0 && key.Item2 == 0 && UsesLoadOrder(node))
                    {
                        break;
                    }
                }
            }

            return best;
        }

        public int BestPacked(DesiredNode node)
        {
            // The fullest host that fits; ties by name. Walk load order from the top when there is no selector.
            var best = -1;
            var bestLoad = -1.0;
            var candidates = UsesLoadOrder(node) ? _byLoad.Reverse().Select(e => e.Index) : Candidates(node);
            foreach (var index in candidates)
            {
                if (!Allows(node, index))
                {
                    continue;
                }

                var load = Hosts[index].Load;
                if (load > bestLoad || (load == bestLoad && index < best))
                {
                    (best, bestLoad) = (index, load);
                }
                else if (UsesLoadOrder(node) && load < bestLoad)
                {
                    break;
                }
            }

            return best;
        }

        public int BestMetal(DesiredNode node)
        {
            var best = -1;
            var bestDomain = int.MaxValue;
            foreach (var index in _metalHosts)
            {
                if (Allows(node, index))
                {
                    var domain = InDomain(node, index);
                    if (domain < bestDomain)
                    {
                        (best, bestDomain) = (index, domain);
                    }
                }
            }

            return best;
        }

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
                var free = usable.Where(h => OnHost(node, h.Index) == 0).ToList();
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

        private static bool UsesLoadOrder(DesiredNode node) => node.Cluster.HostSelector.Count == 0 && (node.Pool is null || node.Pool.HostSelector.Count == 0);

        /// <summary>Hosts to consider: in load order when there is no selector (so the search can stop early), else the smallest label list.</summary>
        private IEnumerable<int> Candidates(DesiredNode node)
        {
            if (UsesLoadOrder(node))
            {
                return _byLoad.Select(e => e.Index);
            }

            return node.Pool is null ? _index.Select(node.Cluster.HostSelector) : _index.Select(node.Cluster.HostSelector, node.Pool.HostSelector);
        }

        private int OnHost(DesiredNode node, int index) =>
            _poolOnHost.TryGetValue(PoolKey(node), out var counts) ? counts.GetValueOrDefault(index) : 0;

        private int InDomain(DesiredNode node, int index) =>
            _poolInDomain.TryGetValue(PoolKey(node), out var counts) ? counts.GetValueOrDefault(Hosts[index].Definition.FailureDomain) : 0;

        private static string PoolKey(DesiredNode node) => node.Cluster.Name + "/" + node.Ref.Pool;
    }
}
