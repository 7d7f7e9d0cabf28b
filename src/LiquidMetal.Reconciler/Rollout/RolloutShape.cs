using System.Collections.Immutable;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Rollout;

/// <summary>What each host is told this pass, and what must wait.</summary>
/// <param name="HeldBack">Control-plane replacements waiting their turn (or a halted rollout).</param>
/// <param name="Untouched">Hosts left as they are this pass: no spec they were told before can be trusted.</param>
/// <param name="Halted">Clusters whose control-plane rollout stopped, with the control planes that failed on the new spec.</param>
public sealed record RolloutShape(List<RenderedHost> Hosts, int HeldBack, ImmutableHashSet<string> Untouched, ImmutableSortedDictionary<string, string> Halted)
{
    /// <summary>The control planes released this pass (at most one per cluster), with the specs they are told.</summary>
    public ImmutableArray<RenderedVm> Released { get; init; } = [];

    /// <summary>Some cluster has a control plane that runs another spec than rendered (released, held or halted).</summary>
    public bool ControlPlanesChanging { get; init; }

    /// <summary>Nothing waits and no host is left as it is: the pass tells every host what the render says.</summary>
    public static RolloutShape Unshaped(List<RenderedHost> hosts) => new(hosts, 0, [], ImmutableSortedDictionary<string, string>.Empty);
}
