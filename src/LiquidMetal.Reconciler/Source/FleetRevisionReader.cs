using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Source;

/// <summary>
/// The fleet files at one revision, read from the mirror's objects (no working tree). The same limits as on disk:
/// files over 1 MiB are refused unread, symlinks are not followed (in Git they are only a path), submodules are refused.
/// </summary>
internal static class FleetRevisionReader
{
    public static async Task<(List<FleetFile> Files, List<Diagnostic> Diagnostics)> ReadAsync(GitMirror mirror, string revision, CancellationToken cancellationToken = default)
    {
        var files = new List<FleetFile>();
        var diagnostics = new List<Diagnostic>();
        var wanted = new List<TreeEntry>();
        foreach (var entry in await mirror.ListTreeAsync(revision, cancellationToken: cancellationToken))
        {
            if (!FleetLoader.IsFleetPath(entry.Path))
            {
                continue;
            }

            if (entry.IsSymlink || entry.IsSubmodule)
            {
                diagnostics.Add(new Diagnostic(SourceLocation.OfFile(entry.Path),
                    $"{(entry.IsSymlink ? "a symlink" : "a submodule")}: fleet files must be regular files in the fleet repository"));
                continue;
            }

            if (entry.Size > FleetLoader.MaxFileBytes)
            {
                diagnostics.Add(new Diagnostic(SourceLocation.OfFile(entry.Path),
                    $"file is {entry.Size:N0} bytes; fleet files may be at most {FleetLoader.MaxFileBytes:N0} bytes (1 MiB)"));
                continue;
            }

            wanted.Add(entry);
        }

        var blobs = await mirror.ReadBlobsAsync([.. wanted.Select(e => e.Id)], cancellationToken);
        for (var i = 0; i < wanted.Count; i++)
        {
            files.Add(new FleetFile(wanted[i].Path, blobs[i] ?? throw new GitException($"{wanted[i].Path} ({wanted[i].Id}) is missing from the mirror")));
        }

        return (files, diagnostics);
    }
}
