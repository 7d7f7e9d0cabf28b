namespace LiquidMetal.Reconciler.Agents;

/// <summary>What one host's agent said this pass (or why it said nothing).</summary>
/// <param name="Applied">True when this pass sent it an Apply that it accepted.</param>
public sealed record ObservedHost(string Host, HostReport? Report, string? Error, bool Applied)
{
    public bool Reachable => Report is not null;
}
