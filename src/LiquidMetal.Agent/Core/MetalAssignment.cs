namespace LiquidMetal.Agent.Core;

/// <summary>A claim of this whole host as a bare-metal node of a cluster (mixed mode).</summary>
public sealed record MetalAssignment
{
    public required string Node { get; init; }

    public required string Cluster { get; init; }

    /// <summary>Rendered bootstrap data, given to the bootstrap hook on its standard input.</summary>
    public string UserData { get; init; } = string.Empty;

    /// <summary>Identifies the assignment: the bootstrap hook runs once per hash, never again after an agent restart.</summary>
    public required string Hash { get; init; }
}
