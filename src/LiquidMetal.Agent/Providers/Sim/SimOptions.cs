namespace LiquidMetal.Agent.Providers.Sim;

/// <summary>How the simulator behaves.</summary>
public sealed record SimOptions
{
    /// <summary>How long a simulated VM stays Creating before it is Running.</summary>
    public TimeSpan BootDelay { get; init; } = TimeSpan.FromMilliseconds(500);
}
