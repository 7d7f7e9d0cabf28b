using System.Collections.Immutable;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Source;

/// <summary>Where the fleet comes from: the remote's heads, the files at a revision, and what is needed to judge trust.</summary>
public interface IFleetSource
{
    /// <summary>The remote's heads of the fleet and status branches (absent when a branch does not exist), fetching first when one moved.</summary>
    Task<ImmutableDictionary<string, string>> SyncAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken);

    /// <summary>The fleet's files at <paramref name="revision"/>.</summary>
    Task<FleetFiles> ReadFleetAsync(string revision, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="revision"/> is a commit the source holds.</summary>
    Task<bool> HasCommitAsync(string revision, CancellationToken cancellationToken);

    /// <summary>One file at a revision, or null when it is not there.</summary>
    Task<byte[]?> ReadFileAsync(string revision, string path, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="revision"/> carries a signature by a key of <paramref name="trust"/>.</summary>
    Task<SignatureCheck> VerifyAsync(string revision, SignatureTrust trust, CancellationToken cancellationToken);

    /// <summary>
    /// Why signed commits were asked for before, as remembered beside this reconciler's mirror (it survives edits of
    /// the unsigned status branch); null when never.
    /// </summary>
    string? SignaturesRequiredMark { get; }

    /// <summary>Remembers that the fleet asked for signed commits, and why (kept until someone deletes the mark).</summary>
    Task MarkSignaturesRequiredAsync(string why, CancellationToken cancellationToken);

    /// <summary>Where the mark lives, for people who must remove it.</summary>
    string SignaturesRequiredMarkPath { get; }
}
