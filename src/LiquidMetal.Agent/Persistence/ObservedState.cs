using System.Collections.Immutable;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Metal;

namespace LiquidMetal.Agent.Persistence;

/// <summary>What observed.json holds: the agent's memory of every VM and of the metal assignment.</summary>
internal sealed record ObservedState
{
    public long ObservedGeneration { get; init; }

    public ImmutableArray<VmRecord> Vms { get; init; } = [];

    public MetalRecord? Metal { get; init; }
}
