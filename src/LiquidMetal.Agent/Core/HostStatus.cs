using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core;

/// <summary>A snapshot of everything the agent observed on its host.</summary>
public sealed record HostStatus
{
    /// <summary>The generation of the last desired state the agent accepted.</summary>
    public long ObservedGeneration { get; init; }

    /// <summary>Increases with every change of this status within one agent process; lets watchers drop repeats.</summary>
    public long Revision { get; init; }

    public ImmutableArray<VmStatus> Vms { get; init; } = [];

    public MetalStatus? Metal { get; init; }

    public required HostCapacity Capacity { get; init; }

    public required string AgentVersion { get; init; }

    /// <summary>The provider and its details, e.g. "qemu (tcg)".</summary>
    public required string Provider { get; init; }

    /// <summary>The spec hash of the desired state this status follows (empty until one is applied).</summary>
    public string SpecHash { get; init; } = string.Empty;
}
