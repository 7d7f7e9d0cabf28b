using System.Collections.Immutable;
using LiquidMetal.Reconciler.Rollout;

namespace LiquidMetal.Reconciler.Status;

/// <summary>The status branch: read what the last pass recorded, write what this one saw, never overwriting anyone.</summary>
public interface IStatusStore
{
    /// <summary>
    /// The documents and rendered hosts at <paramref name="tip"/> (nothing when null). A document someone broke by hand
    /// is left out and described in <paramref name="warnings"/> (the reconciler owns status/ and rewrites it).
    /// </summary>
    Task<StatusAt> ReadAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken);

    /// <summary>The files under the reconciler's own folders (status/, rendered/) at <paramref name="tip"/>, exactly as they are.</summary>
    Task<ImmutableSortedDictionary<string, byte[]>> ReadOwnedAsync(string tip, CancellationToken cancellationToken);

    /// <summary>
    /// Commits <paramref name="compose"/>'s status on top of <paramref name="tip"/> and pushes it, only if the branch is
    /// still there (compare-and-swap); a rejected push is redone on the new tip, composed again, never forced. Nothing
    /// is committed when nothing changed.
    /// </summary>
    /// <param name="compose">The status to write on top of a given tip (called again with the new tip after a lost race).</param>
    Task<StatusWrite> WriteAsync(Func<string?, Task<StatusCommit>> compose, string? tip, ICollection<string> warnings, CancellationToken cancellationToken);

    /// <summary>
    /// The control-plane releases recorded at <paramref name="tip"/> (rollout/clusters), by cluster. A file someone broke
    /// is left out and described in <paramref name="warnings"/>; the next release in its cluster replaces it.
    /// </summary>
    Task<IReadOnlyDictionary<string, ControlPlaneRelease>> ReadReleasesAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="releases"/> (replacing their clusters' earlier ones) in one commit on top of
    /// <paramref name="tip"/>, pushed only if the branch is still there. Tried once: after a lost race the caller reads
    /// the branch's new tip (returned) and decides again, because the winner may have released another control plane.
    /// </summary>
    Task<ReleaseRecord> RecordReleasesAsync(string? tip, IReadOnlyList<ControlPlaneRelease> releases, CancellationToken cancellationToken);
}

/// <summary>What recording control-plane releases did.</summary>
/// <param name="Recorded">Whether the commit was pushed.</param>
/// <param name="Tip">The status branch's tip now: the new commit, or the one that won the race.</param>
public sealed record ReleaseRecord(bool Recorded, string? Tip);
