using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// A host as the capacity map draws it: what the fleet declares (<see cref="Capacity"/>, of which placement fills
/// <see cref="Allocatable"/>), what its agent offers, the VMs it was told to run or its metal claim, and why it is in
/// trouble (no answer, conditions that do not hold).
/// </summary>
public sealed record MapHost(string Name, Resources Capacity, Resources Allocatable, Resources Offered, ImmutableArray<MapVm> Vms)
{
    public bool Reachable { get; init; } = true;

    /// <summary>Why its agent did not answer, whole (the map shortens it).</summary>
    public string? Error { get; init; }

    public MapVm? Metal { get; init; }

    /// <summary>Its conditions that do not hold, as "Type=False Reason".</summary>
    public ImmutableArray<string> Failing { get; init; } = [];

    /// <summary>The vCPU and memory of its VMs together.</summary>
    public Resources Placed => new(Vms.Sum(v => v.Vcpu), Vms.Sum(v => v.MemoryMiB));
}
