using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>What one host's agent said this pass (or why it said nothing).</summary>
/// <param name="Applied">True when this pass sent it an Apply that it accepted.</param>
public sealed record ObservedHost(string Host, HostReport? Report, string? Error, bool Applied)
{
    private readonly Resources? _offered;

    public bool Reachable => Report is not null;

    /// <summary>
    /// The capacity the agent says its machine offers (GetStatus), known whenever it answered this pass as this host,
    /// also when it then refused the Apply (a refusal is often that the spec does not fit); null when it did not answer.
    /// </summary>
    public Resources? Offered
    {
        get => Report?.Capacity ?? _offered;
        init => _offered = value;
    }
}
