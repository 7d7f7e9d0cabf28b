using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Metal;

/// <summary>The persisted state of the metal assignment: which one, and what its hooks did.</summary>
internal sealed record MetalRecord
{
    public required string Node { get; init; }

    public required string Cluster { get; init; }

    public required string Hash { get; init; }

    public required MetalState State { get; init; }

    public string Reason { get; init; } = string.Empty;

    public required DateTimeOffset Since { get; init; }

    public int? ExitCode { get; init; }

    public string StderrTail { get; init; } = string.Empty;

    public MetalStatus ToStatus() => new()
    {
        Node = Node,
        Cluster = Cluster,
        Hash = Hash,
        State = State,
        Reason = Reason,
        Since = Since,
        ExitCode = ExitCode,
        StderrTail = StderrTail,
    };
}
