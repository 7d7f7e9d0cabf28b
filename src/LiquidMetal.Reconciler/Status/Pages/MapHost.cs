using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// A host as the capacity map draws it: what the fleet declares (<see cref="Capacity"/>, of which placement fills
/// <see cref="Allocatable"/>), what its agent offers, its nodes counted by state, and why it is in trouble (no answer,
/// conditions that do not hold). Its VMs one by one only where the map draws them (a small fleet).
/// </summary>
public sealed record MapHost(string Name, Resources Capacity, Resources Allocatable, Resources Offered, MapTally Tally)
{
    /// <summary>Its VMs sorted by id, for a map that draws each; empty for a large fleet's map (<see cref="Tally"/> counts them all).</summary>
    public ImmutableArray<MapVm> Vms { get; init; } = [];

    public bool Reachable { get; init; } = true;

    /// <summary>Why its agent did not answer, whole (the map shortens it).</summary>
    public string? Error { get; init; }

    public MapVm? Metal { get; init; }

    /// <summary>Its conditions that do not hold, as "Type=False Reason".</summary>
    public ImmutableArray<string> Failing { get; init; } = [];

    /// <summary>The vCPU and memory of its VMs together.</summary>
    public Resources Placed => Tally.Placed;
}
