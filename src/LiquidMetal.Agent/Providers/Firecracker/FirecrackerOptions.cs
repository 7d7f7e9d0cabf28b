namespace LiquidMetal.Agent.Providers.Firecracker;

/// <summary>How the agent runs Firecracker.</summary>
public sealed record FirecrackerOptions
{
    /// <summary>The Firecracker binary: a name looked up on PATH, or a path.</summary>
    public string Binary { get; init; } = "firecracker";
}
