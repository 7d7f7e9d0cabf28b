using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Pipeline;

/// <summary>
/// What each host is told this pass, from what it should run (the render), what it was told last (rendered/ on the
/// status branch) and what its agent reports. Two rules shape it:
/// <list type="bullet">
/// <item>Control planes roll: of a cluster's control-plane VMs whose spec changed, one is replaced at a time, and the
/// next only once every control-plane VM of the cluster runs its current spec; the others keep their old spec.</item>
/// <item><c>suspend: true</c> freezes a cluster: its VMs and metal claim stay exactly as last told, nothing is created,
/// replaced or deleted for it.</item>
/// </list>
/// </summary>
public static class Rollout
{
    public const string ControlPlaneRole = "control-plane";

    /// <summary>The hosts as they are to be applied, and how many VM changes are held back for a later pass.</summary>
    public static (List<RenderedHost> Hosts, int HeldBack) Shape(
        IReadOnlyList<RenderedHost> desired,
        IReadOnlyList<RenderedHost> previous,
        IReadOnlyDictionary<string, HostObservation> observed,
        FleetDefinition fleet)
    {
        var before = previous.ToDictionary(h => h.Host, StringComparer.Ordinal);
        var running = observed.Values.SelectMany(o => o.Status?.Vms ?? [])
            .Where(vm => vm.State == Wire.VmState.Running)
            .ToDictionary(vm => vm.Id, vm => vm.Hash, StringComparer.Ordinal);
        var suspended = fleet.Clusters.Where(c => c.Suspend).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

        // Which control-plane replacements may go ahead: per cluster, at most one, and only when none is under way.
        var released = new HashSet<string>(StringComparer.Ordinal);
        var heldBack = 0;
        foreach (var cluster in fleet.Clusters.Where(c => !c.Suspend))
        {
            var wanted = desired.SelectMany(h => h.Microvms.Select(vm => (Host: h.Host, Vm: vm)))
                .Where(x => x.Vm.Cluster == cluster.Name && x.Vm.Role == ControlPlaneRole)
                .OrderBy(x => x.Vm.Id, StringComparer.Ordinal)
                .ToList();
            var told = wanted.Select(x => before.GetValueOrDefault(x.Host)?.Microvms.FirstOrDefault(vm => vm.Id == x.Vm.Id)).ToList();
            var changing = wanted.Where((x, i) => told[i] is { } old && old.Hash != x.Vm.Hash).Select(x => x.Vm.Id).ToList();
            if (changing.Count == 0)
            {
                continue;
            }

            // Under way: a control-plane VM that was told its spec but does not run it yet.
            var underWay = told.Any(old => old is not null && running.GetValueOrDefault(old.Id) != old.Hash);
            if (!underWay)
            {
                released.Add(changing[0]);
            }

            heldBack += changing.Count - (underWay ? 0 : 1);
        }

        var hosts = new List<RenderedHost>(desired.Count);
        foreach (var host in desired)
        {
            var old = before.GetValueOrDefault(host.Host);
            var vms = ImmutableArray.CreateBuilder<RenderedVm>();
            foreach (var vm in host.Microvms)
            {
                if (suspended.Contains(vm.Cluster))
                {
                    continue; // taken from what the host was told, below
                }

                var previousVm = old?.Microvms.FirstOrDefault(p => p.Id == vm.Id);
                var hold = vm.Role == ControlPlaneRole && previousVm is not null && previousVm.Hash != vm.Hash && !released.Contains(vm.Id);
                vms.Add(hold ? previousVm! : vm);
            }

            vms.AddRange(old?.Microvms.Where(vm => suspended.Contains(vm.Cluster)) ?? []);
            var metal = host.Metal is { } claim && suspended.Contains(claim.Cluster) ? old?.Metal
                : old?.Metal is { } kept && suspended.Contains(kept.Cluster) ? kept
                : host.Metal;
            var shaped = Renderer.WithWork(host, vms.ToImmutable(), metal);
            hosts.Add(shaped.SpecHash == host.SpecHash ? host : shaped);
        }

        return (hosts, heldBack);
    }
}
