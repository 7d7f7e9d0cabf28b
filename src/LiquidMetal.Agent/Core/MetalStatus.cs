namespace LiquidMetal.Agent.Core;

/// <summary>The observed state of this host's metal assignment and the result of its bootstrap hook.</summary>
public sealed record MetalStatus
{
    public required string Node { get; init; }

    public required string Cluster { get; init; }

    public required string Hash { get; init; }

    public required MetalState State { get; init; }

    public string Reason { get; init; } = string.Empty;

    public required DateTimeOffset Since { get; init; }

    /// <summary>The bootstrap hook's exit code, once it finished.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The end of what the hook wrote to standard error.</summary>
    public string StderrTail { get; init; } = string.Empty;
}
