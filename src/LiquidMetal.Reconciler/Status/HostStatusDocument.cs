using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// status/hosts/&lt;name&gt;.yaml: whether the agent answered, what is allocated against capacity (the agent's figures
/// when it answered), every VM's state, and the host's conditions (<see cref="CapacityCondition"/>; none while its agent
/// has not answered).
/// </summary>
public sealed record HostStatusDocument(
    string Name,
    bool Reachable,
    string? Error,
    Resources Capacity,
    Resources Allocated,
    long ObservedGeneration,
    ImmutableArray<VmStatusEntry> Vms)
{
    public ImmutableArray<Condition> Conditions { get; init; } = [];
}
