using System.Collections.Immutable;

namespace LiquidMetal.Git;

/// <summary>
/// A commit to make on top of <see cref="Parent"/>: every path under <see cref="OwnedPrefixes"/>, and each of
/// <see cref="OwnedFiles"/>, is replaced by <see cref="Files"/>; every other path of the parent's tree (a person's notes,
/// say) is kept.
/// </summary>
public sealed record CommitRequest
{
    /// <summary>The commit to build on; null for a branch's first commit.</summary>
    public required string? Parent { get; init; }

    /// <summary>The folders this writer owns, each ending in '/', like "status/" and "rendered/"; every file must be under one.</summary>
    public required ImmutableArray<string> OwnedPrefixes { get; init; }

    /// <summary>
    /// Single files this writer owns outside its folders, by path (the status branch's README.md): each is written when
    /// <see cref="Files"/> holds it and removed when not, like a file under an owned prefix.
    /// </summary>
    public ImmutableArray<string> OwnedFiles { get; init; } = [];

    /// <summary>
    /// The full content of the owned prefixes and files, by path. An array must not change once handed in: the mirror remembers
    /// the blob each array was stored as and does not hash the same array again.
    /// </summary>
    public required ImmutableSortedDictionary<string, byte[]> Files { get; init; }

    public required string Message { get; init; }

    public required GitSignature Author { get; init; }
}
