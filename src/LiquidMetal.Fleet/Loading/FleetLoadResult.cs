using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Loading;

/// <summary>A loaded fleet, or every problem that kept it from loading (never both half-way).</summary>
public sealed record FleetLoadResult(FleetDefinition? Fleet, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool IsValid => Fleet is not null && Diagnostics.IsEmpty;
}
