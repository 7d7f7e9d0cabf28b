using System.Collections.Immutable;

namespace LiquidMetal.Fleet.Model;

/// <summary>Which host each node runs on, keyed by node name (ordinal order, so output is deterministic).</summary>
public sealed record Placement(ImmutableSortedDictionary<string, string> HostByNode)
{
    public static Placement Empty { get; } = new(ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));
}
