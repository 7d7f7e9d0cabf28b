using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler.Rollout;

/// <summary>
/// What each host is told this pass, from what it should run (the render), what its agent reports, and the specs it
/// was told before (rendered/ on the status branch). Two rules shape it:
/// <list type="bullet">
/// <item>Control planes roll: of a cluster's control-plane VMs that run another spec than rendered, one is replaced
/// at a time (one released before keeps its turn until it runs its new spec; then a failed one goes first), and the
/// next only when none is starting or stopping and the replaced ones have run for a settle time (one that crashes and
/// comes back runs since its comeback). A control plane that failed on the spec it should run halts the rollout: the
/// others keep theirs (and the quorum) until that is fixed.</item>
/// <item>In a kubeadm cluster, workers to replace wait until no control plane is changing or settling: a kubelet
/// must never run a newer release than the API servers (a version change replaces the control planes first).</item>
/// <item>A release is recorded on the status branch before the agent is told (<see cref="ControlPlaneRelease"/>). While
/// the recorded control plane has not run its new spec for the settle time, it alone may be released in its cluster:
/// a second reconciler that observed another moment follows the record instead of choosing another.</item>
/// <item><c>suspend: true</c> freezes a cluster: its VMs stay exactly as last told.</item>
/// </list>
/// Whether a VM changes is judged from what the agents report, not from the status branch. A held or frozen VM keeps
/// its earlier spec, taken from rendered/ only when that spec hashes to what the agent runs (so a spec edited on the
/// status branch is never applied); when no such spec exists, the host is left untouched this pass.
/// </summary>
public static class RolloutPlanner
{
    public const string ControlPlaneRole = "control-plane";

    /// <param name="settle">How long a replaced control plane must have run before the next is released: one that boots
    /// and then crashes must not look healthy for the moment it takes to release another.</param>
    /// <param name="runningFor">How long the reconciler has seen each VM running its current spec without a break
    /// (its own clock: an agent's clock may be off); a VM it has no time for has not settled.</param>
    /// <param name="releases">The control-plane releases recorded on the status branch, by cluster.</param>
    public static RolloutShape Shape(
        IReadOnlyList<RenderedHost> desired,
        IReadOnlyList<RenderedHost> previous,
        IReadOnlyDictionary<string, ObservedHost> observed,
        FleetDefinition fleet,
        TimeSpan settle,
        IReadOnlyDictionary<string, TimeSpan> runningFor,
        IReadOnlyDictionary<string, ControlPlaneRelease>? releases = null)
    {
        // What runs, by VM id; a VM that two agents report (a move whose delete failed) counts where it is Running (the
        // first such report), else where it is first reported. Loops, not GroupBy: 20,000 VMs a pass at 1,000 hosts.
        var seen = new Dictionary<string, VmReport>(StringComparer.Ordinal);
        foreach (var vm in observed.Values.SelectMany(o => o.Report?.Vms ?? []))
        {
            if (!seen.TryGetValue(vm.Id, out var first) || (first.Phase != VmPhase.Running && vm.Phase == VmPhase.Running))
            {
                seen[vm.Id] = vm;
            }
        }

        var previousByHost = previous.DistinctBy(h => h.Host).ToDictionary(h => h.Host, StringComparer.Ordinal);
        var told = new Dictionary<string, RenderedVm>(StringComparer.Ordinal); // each VM as first recorded
        foreach (var vm in previous.SelectMany(h => h.Microvms))
        {
            told.TryAdd(vm.Id, vm);
        }

        var suspended = fleet.Clusters.Where(c => c.Suspend).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

        // Each cluster's control planes, found in one pass over the hosts (not one per cluster: 2,000 x 20,000 VMs).
        var controlPlanesOf = desired.SelectMany(h => h.Microvms).Where(vm => vm.Role == ControlPlaneRole)
            .GroupBy(vm => vm.Cluster, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(vm => vm.Id, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var released = new HashSet<string>(StringComparer.Ordinal);
        var releasedVms = ImmutableArray.CreateBuilder<RenderedVm>();
        var controlPlanesChanging = false;

        // kubeadm clusters whose workers wait: no kubelet may run a newer release than its API servers, so workers are
        // replaced only once every control plane runs its new spec and has settled.
        var workersWait = new HashSet<string>(StringComparer.Ordinal);
        var halted = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var heldBack = 0;
        foreach (var cluster in fleet.Clusters.Where(c => !c.Suspend))
        {
            var controlPlanes = controlPlanesOf.GetValueOrDefault(cluster.Name) ?? [];
            // First one released before that still runs its old spec: its agent has yet to start it, or never got it
            // (an Apply refused or lost on the way). It keeps its turn and is told again; held, it would need the old
            // spec, which rendered/ no longer has, and its host would be left as it is for good. Then a failed one
            // (replacing it costs nothing).
            var changing = controlPlanes
                .Where(vm => seen.TryGetValue(vm.Id, out var runs) && runs.Hash != vm.Hash)
                .OrderBy(vm => told.GetValueOrDefault(vm.Id)?.Hash == vm.Hash && seen[vm.Id].Phase != VmPhase.Failed ? 0 : seen[vm.Id].Phase == VmPhase.Failed ? 1 : 2)
                .ThenBy(vm => vm.Id, StringComparer.Ordinal)
                .ToList();
            var settling = controlPlanes.Any(vm => seen.TryGetValue(vm.Id, out var runs)
                ? runs.Phase is VmPhase.Pending or VmPhase.Creating or VmPhase.Deleting
                  || (runs.Hash == vm.Hash && runs.Phase == VmPhase.Running && runningFor.GetValueOrDefault(vm.Id) < settle) // not settled yet
                : told.ContainsKey(vm.Id)); // told before, not reported now: its host is down or it is being recreated
            if (cluster.Bootstrap == BootstrapMode.Kubeadm && (changing.Count > 0 || settling))
            {
                workersWait.Add(cluster.Name);
            }

            if (changing.Count == 0)
            {
                continue;
            }

            controlPlanesChanging = true;

            var failedOnNew = controlPlanes.Where(vm => seen.TryGetValue(vm.Id, out var runs) && runs.Hash == vm.Hash && runs.Phase == VmPhase.Failed)
                .Select(vm => vm.Id).ToList();
            if (failedOnNew.Count > 0)
            {
                halted[cluster.Name] = string.Join(", ", failedOnNew);
                heldBack += changing.Count;
                continue;
            }

            // A recorded release whose control plane has not settled on its spec: that one alone may go (again: its
            // agent may never have been told), or none while it is starting.
            var recorded = releases?.GetValueOrDefault(cluster.Name) is { } release
                && controlPlanes.Any(vm => vm.Id == release.Vm)
                && !(seen.TryGetValue(release.Vm, out var runsRecorded) && runsRecorded.Phase == VmPhase.Running
                     && (runsRecorded.Hash == release.SpecHash || !changing.Any(vm => vm.Id == release.Vm))
                     && runningFor.GetValueOrDefault(release.Vm) >= settle)
                ? release.Vm
                : null;
            var next = recorded is null ? changing[0] : changing.FirstOrDefault(vm => vm.Id == recorded);

            // A recorded release of the spec it should run, which its agent is already stopping or starting, goes on
            // whatever else settles: held back, its old spec would be taken from rendered/, which the reconciler that
            // released it may not have written yet. One not yet begun waits like any other.
            var recordedBusy = recorded is not null && next is not null && next.Hash == releases![cluster.Name].SpecHash
                && seen[next.Id].Phase is VmPhase.Pending or VmPhase.Creating or VmPhase.Deleting;
            var underWay = next is null || (settling && !recordedBusy);
            if (!underWay)
            {
                released.Add(next!.Id);
                releasedVms.Add(next);
            }

            heldBack += changing.Count - (underWay ? 0 : 1);
        }

        var hosts = new List<RenderedHost>(desired.Count);
        var untouched = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var host in desired)
        {
            var before = previousByHost.GetValueOrDefault(host.Host);
            var vms = ImmutableArray.CreateBuilder<RenderedVm>();
            var safe = true;
            foreach (var vm in host.Microvms.Where(vm => !suspended.Contains(vm.Cluster)))
            {
                var hold = seen.TryGetValue(vm.Id, out var runs) && runs.Hash != vm.Hash
                    && (vm.Role == ControlPlaneRole ? !released.Contains(vm.Id) : workersWait.Contains(vm.Cluster));
                if (hold && vm.Role != ControlPlaneRole)
                {
                    heldBack++;
                }

                if (!hold)
                {
                    vms.Add(vm);
                }
                else if (Trusted(told.GetValueOrDefault(vm.Id), seen[vm.Id].Hash) is { } kept)
                {
                    vms.Add(kept);
                }
                else
                {
                    safe = false;
                }
            }

            // A suspended cluster keeps what this host was told for it, as long as those specs are what runs.
            foreach (var vm in before?.Microvms.Where(vm => suspended.Contains(vm.Cluster)) ?? [])
            {
                if (Trusted(vm, seen.GetValueOrDefault(vm.Id)?.Hash ?? vm.Hash) is { } kept)
                {
                    vms.Add(kept);
                }
                else
                {
                    safe = false;
                }
            }

            var metal = host.Metal is { } claim && suspended.Contains(claim.Cluster) ? before?.Metal
                : before?.Metal is { } frozen && suspended.Contains(frozen.Cluster) ? frozen
                : host.Metal;
            if (!safe)
            {
                untouched.Add(host.Host);
            }

            if (metal == host.Metal && vms.Count == host.Microvms.Length && vms.Zip(host.Microvms).All(pair => ReferenceEquals(pair.First, pair.Second)))
            {
                hosts.Add(host); // told what was rendered: nothing held back or frozen here, no spec hash to compute again
                continue;
            }

            var shaped = Renderer.WithWork(host, vms.ToImmutable(), metal);
            hosts.Add(shaped.SpecHash == host.SpecHash ? host : shaped);
        }

        return new RolloutShape(hosts, heldBack, untouched.ToImmutable(), halted.ToImmutable()) { Released = releasedVms.ToImmutable(), ControlPlanesChanging = controlPlanesChanging };
    }

    /// <summary>A spec from the status branch, if its fields hash to what it claims and to what the agent runs.</summary>
    private static RenderedVm? Trusted(RenderedVm? vm, string running) =>
        vm is not null && vm.Hash == running && Renderer.HashOf(vm) == vm.Hash ? vm : null;
}
