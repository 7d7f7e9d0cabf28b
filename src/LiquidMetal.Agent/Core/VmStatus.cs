using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core;

/// <summary>The observed state of one microVM.</summary>
public sealed record VmStatus
{
    public required string Id { get; init; }

    public string Cluster { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    public required VmState State { get; init; }

    public string Reason { get; init; } = string.Empty;

    /// <summary>When the VM entered its current state.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>How often the VM was started again after a failure.</summary>
    public int Restarts { get; init; }

    /// <summary>The content hash of the spec this VM runs (or is being created from).</summary>
    public required string Hash { get; init; }

    /// <summary>Provider facts for people: pid, accelerator, console log path.</summary>
    public ImmutableSortedDictionary<string, string> ProviderDetails { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
