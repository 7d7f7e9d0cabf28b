using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Reconciler.Source;

/// <summary>Whether a head revision may be applied; when not, why (as the error status/fleet.yaml shows) and how it was judged.</summary>
/// <param name="Verdict">For logs: unverifiable (signatures required, no keys), unsigned or untrusted.</param>
public sealed record TrustVerdict(Diagnostic? Refusal, string Verdict, string Detail)
{
    public static TrustVerdict Applicable { get; } = new(null, "trusted", string.Empty);

    public bool Trusted => Refusal is null;
}
