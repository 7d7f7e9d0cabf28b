using System.Collections.Immutable;

namespace LiquidMetal.Agent.Networking;

/// <summary>What the host needs for a VM's NICs: the taps to make, or the reason the host cannot give the VM its network.</summary>
internal sealed record NicPlan(ImmutableArray<TapSetup> Taps, string? Refusal)
{
    public static NicPlan Refused(string reason) => new([], reason);
}
