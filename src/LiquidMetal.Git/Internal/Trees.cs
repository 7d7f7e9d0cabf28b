using System.Collections.Immutable;
using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>Reading trees and blobs with libgit2: folders at a revision, recursive listings as git ls-tree gives them, blob contents.</summary>
internal static class Trees
{
    /// <summary>The tree of <paramref name="revision"/>, or of its folder <paramref name="underPath"/>; null when that folder does not exist.</summary>
    public static Tree? Folder(Repository repository, string revision, string? underPath)
    {
        var root = repository.Lookup(revision) is { } found and not Blob
            ? found.Peel<Tree>()
            : throw new GitException($"'{revision}' is not a commit or tree in the mirror");
        var folder = underPath?.Trim('/');
        return string.IsNullOrEmpty(folder) ? root : root[folder]?.Target as Tree;
    }

    /// <summary>Every file under <paramref name="tree"/>, recursively and in git's order: what git ls-tree -r -l lists.</summary>
    public static void AddEntries(Repository repository, Tree tree, ImmutableArray<TreeEntry>.Builder entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var entry in tree)
        {
            switch (entry.TargetType)
            {
                case TreeEntryTargetType.Tree:
                    AddEntries(repository, (Tree)entry.Target, entries, cancellationToken);
                    break;
                case TreeEntryTargetType.Blob:
                    // The header only: a file too big to read is refused without inflating it.
                    var size = repository.ObjectDatabase.RetrieveObjectMetadata(entry.Target.Id).Size;
                    entries.Add(new TreeEntry(Convert.ToString((int)entry.Mode, 8), "blob", entry.Target.Sha, size, entry.Path));
                    break;
                default:
                    entries.Add(new TreeEntry(Convert.ToString((int)entry.Mode, 8), "commit", entry.Target.Sha, 0, entry.Path));
                    break;
            }
        }
    }

    /// <summary>
    /// The contents of many blobs. libgit2 inflates a blob on every read (it caches no blobs), so large reads are
    /// split over the cores: 800 status files take about 30 ms on two instead of 50.
    /// </summary>
    public static byte[]?[] Contents(string gitDirectory, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var contents = new byte[]?[ids.Count];
        InParts.Run(ids.Count, 64, (part, parts) =>
        {
            using var repository = new Repository(gitDirectory);
            for (var i = part; i < ids.Count; i += parts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                contents[i] = ObjectId.TryParse(ids[i], out var id) ? Content(repository, id.Sha) : null;
            }
        }, cancellationToken);
        return contents;
    }

    public static byte[]? Content(Repository repository, string id)
    {
        if (repository.Lookup<Blob>(id) is not { } blob)
        {
            return null;
        }

        var content = new byte[blob.Size];
        using var stream = blob.GetContentStream();
        stream.ReadExactly(content);
        return content;
    }
}
