using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status;

/// <summary>status/hosts/&lt;name&gt;.yaml: whether the agent answered, what is allocated against capacity, and every VM's state.</summary>
public sealed record HostStatusDocument(
    string Name,
    bool Reachable,
    string? Error,
    Resources Capacity,
    Resources Allocated,
    long ObservedGeneration,
    ImmutableArray<VmStatusEntry> Vms);
