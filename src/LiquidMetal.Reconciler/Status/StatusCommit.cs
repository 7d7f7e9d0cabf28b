using System.Collections.Immutable;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Status;

/// <summary>The content of the status branch's owned folders after a reconcile, its commit message, and whether the fleet converged.</summary>
public sealed record StatusCommit(ImmutableSortedDictionary<string, byte[]> Files, string Message, bool Converged)
{
    /// <summary>The status documents in <see cref="Files"/>, as read back (its commit not yet known); null for a rejected revision's status.</summary>
    public StatusSnapshot? Snapshot { get; init; }

    /// <summary>The hosts recorded under rendered/hosts, in the order a read of the commit gives; null for a rejected revision's status.</summary>
    public IReadOnlyList<RenderedHost>? Rendered { get; init; }
}
