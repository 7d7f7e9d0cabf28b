using System.Globalization;
using System.Text;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// Writes commits with git plumbing only (hash-object, mktree, commit-tree) and pushes them as
/// fast-forwards. Never forces: a push the remote rejects means someone else moved the branch.
/// </summary>
public sealed class CommitWriter
{
    private const string TreeMode = "040000";
    private readonly GitMirror _mirror;

    public CommitWriter(GitMirror mirror) => _mirror = mirror;

    /// <summary>Creates the commit and returns its id, or null when its tree would equal the parent's (nothing changed).</summary>
    public async Task<string?> CreateCommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        var git = _mirror.Cli;
        var leaves = new SortedDictionary<string, (string Mode, string Type, string Id)>(StringComparer.Ordinal);
        var ownedBefore = new Dictionary<string, string>(StringComparer.Ordinal);
        string? parentTree = null;
        if (request.Parent is { } parent)
        {
            parentTree = (await git.RunCheckedAsync(["rev-parse", parent + "^{tree}"], cancellationToken: cancellationToken)).Trim();
            foreach (var entry in await _mirror.ListTreeAsync(parent, cancellationToken: cancellationToken))
            {
                if (!request.OwnedPrefixes.Any(p => entry.Path.StartsWith(p, StringComparison.Ordinal)))
                {
                    leaves[entry.Path] = (entry.Mode, entry.Type, entry.Id);
                }
                else if (entry.Mode == "100644")
                {
                    ownedBefore[entry.Path] = entry.Id;
                }
            }
        }

        // Blob ids are computed here, as git does; only content the parent does not already hold is written.
        // When every owned file is as it was, there is nothing to commit and no git process runs for it.
        var hexLength = parentTree?.Length ?? ((await git.RunCheckedAsync(["rev-parse", "--show-object-format"], cancellationToken: cancellationToken)).Trim() == "sha256" ? 64 : 40);
        var ids = request.Files.ToDictionary(f => f.Key, f => BlobId(f.Value, hexLength), StringComparer.Ordinal);
        if (parentTree is not null && ids.Count == ownedBefore.Count && ids.All(f => ownedBefore.GetValueOrDefault(f.Key) == f.Value))
        {
            return null;
        }

        var known = ownedBefore.Values.ToHashSet(StringComparer.Ordinal);
        foreach (var (path, content) in request.Files)
        {
            if (!known.Contains(ids[path]))
            {
                await WriteLooseBlobAsync(ids[path], content, cancellationToken);
            }
        }

        foreach (var (path, id) in ids)
        {
            leaves[path] = ("100644", "blob", id);
        }

        var rootTree = await WriteTreesAsync(leaves, cancellationToken);
        if (rootTree == parentTree)
        {
            return null;
        }

        var arguments = new List<string> { "commit-tree", rootTree };
        if (request.Parent is not null)
        {
            arguments.Add("-p");
            arguments.Add(request.Parent);
        }

        var result = await git.RunCheckedAsync(arguments, Encoding.UTF8.GetBytes(request.Message), cancellationToken, SignatureEnvironment(request.Author));
        return result.Trim();
    }

    /// <summary>Pushes <paramref name="commit"/> to the remote branch as a fast-forward.</summary>
    public async Task<PushOutcome> PushAsync(string commit, string branch, CancellationToken cancellationToken = default)
    {
        var result = await _mirror.Cli.RunAsync(["push", "--porcelain", "origin", $"{commit}:refs/heads/{branch}"], cancellationToken: cancellationToken);
        if (result.ExitCode == 0)
        {
            await _mirror.Cli.RunCheckedAsync(["update-ref", "refs/remotes/origin/" + branch, commit], cancellationToken: cancellationToken);
            return PushOutcome.Pushed;
        }

        // Porcelain: "!\t<src>:<dst>\t[rejected] (fetch first)" for a branch that moved under us.
        var rejected = result.Text.Split('\n').FirstOrDefault(l => l.StartsWith('!'));
        if (rejected is not null)
        {
            return PushOutcome.Rejected(rejected.Split('\t').Last().Trim());
        }

        throw new GitException($"git push to {GitCli.Redact(_mirror.RemoteUrl)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}");
    }

    /// <summary>Git's object id of a blob: SHA-1 (or SHA-256 in a SHA-256 repository) of "blob &lt;size&gt;\0" and the content.</summary>
    internal static string BlobId(byte[] content, int hexLength)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length.ToString(CultureInfo.InvariantCulture)}\0");
        var data = new byte[header.Length + content.Length];
        header.CopyTo(data, 0);
        content.CopyTo(data, header.Length);
        return Convert.ToHexStringLower(hexLength == 64 ? System.Security.Cryptography.SHA256.HashData(data) : System.Security.Cryptography.SHA1.HashData(data));
    }

    /// <summary>
    /// Stores a blob as git's loose object (objects/ab/cdef..., zlib of "blob &lt;size&gt;\0" and the content), written to a
    /// temporary file and renamed into place as git does: no process per status commit, and no scratch copies.
    /// </summary>
    private async Task WriteLooseBlobAsync(string id, byte[] content, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(_mirror.Path, "objects", id[..2]);
        var path = Path.Combine(directory, id[2..]);
        if (File.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $"tmp_obj_{Guid.NewGuid():N}");
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
            await using (var zlib = new System.IO.Compression.ZLibStream(file, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                await zlib.WriteAsync(Encoding.ASCII.GetBytes($"blob {content.Length.ToString(CultureInfo.InvariantCulture)}\0"), cancellationToken);
                await zlib.WriteAsync(content, cancellationToken);
            }

            // On disk before its name appears: a crash must not leave a truncated object that later commits point at.
            file.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // written meanwhile by someone else; objects are immutable
        }
    }

    private async Task<string> WriteTreesAsync(SortedDictionary<string, (string Mode, string Type, string Id)> leaves, CancellationToken cancellationToken)
    {
        // Entries of each directory, keyed by directory path ("" is the root).
        var directories = new SortedDictionary<string, List<(string Mode, string Type, string Id, string Name)>>(StringComparer.Ordinal) { [string.Empty] = [] };
        foreach (var (path, leaf) in leaves)
        {
            var slash = path.LastIndexOf('/');
            var directory = slash < 0 ? string.Empty : path[..slash];
            EntriesOf(directories, directory).Add((leaf.Mode, leaf.Type, leaf.Id, path[(slash + 1)..]));
        }

        // Deepest directories first, one mktree --batch process per depth.
        foreach (var depth in directories.Keys.Where(d => d.Length > 0).Select(Depth).Distinct().OrderDescending().ToList())
        {
            var level = directories.Keys.Where(d => d.Length > 0 && Depth(d) == depth).ToList();
            var ids = await MakeTreesAsync(level.Select(d => directories[d]).ToList(), cancellationToken);
            for (var i = 0; i < level.Count; i++)
            {
                var slash = level[i].LastIndexOf('/');
                var parent = slash < 0 ? string.Empty : level[i][..slash];
                EntriesOf(directories, parent).Add((TreeMode, "tree", ids[i], level[i][(slash + 1)..]));
            }
        }

        return (await MakeTreesAsync([directories[string.Empty]], cancellationToken))[0];
    }

    private static List<(string Mode, string Type, string Id, string Name)> EntriesOf(
        SortedDictionary<string, List<(string Mode, string Type, string Id, string Name)>> directories, string path)
    {
        if (!directories.TryGetValue(path, out var entries))
        {
            directories[path] = entries = [];
            var slash = path.LastIndexOf('/');
            if (path.Length > 0)
            {
                EntriesOf(directories, slash < 0 ? string.Empty : path[..slash]);
            }
        }

        return entries;
    }

    private async Task<string[]> MakeTreesAsync(List<List<(string Mode, string Type, string Id, string Name)>> trees, CancellationToken cancellationToken)
    {
        var input = new StringBuilder();
        foreach (var tree in trees)
        {
            foreach (var entry in tree)
            {
                input.Append(CultureInfo.InvariantCulture, $"{entry.Mode} {entry.Type} {entry.Id}\t{entry.Name}\0");
            }

            // An empty record ends one tree in --batch -z mode.
            input.Append('\0');
        }

        var output = await _mirror.Cli.RunCheckedAsync(["mktree", "-z", "--batch"], Encoding.UTF8.GetBytes(input.ToString()), cancellationToken);
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return ids.Length == trees.Count ? ids : throw new GitException($"git mktree returned {ids.Length} trees for {trees.Count}");
    }

    private static int Depth(string directory) => directory.Count(c => c == '/');

    private static Dictionary<string, string> SignatureEnvironment(GitSignature author)
    {
        var date = author.When.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + " " + author.When.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_AUTHOR_NAME"] = author.Name,
            ["GIT_AUTHOR_EMAIL"] = author.Email,
            ["GIT_AUTHOR_DATE"] = date,
            ["GIT_COMMITTER_NAME"] = author.Name,
            ["GIT_COMMITTER_EMAIL"] = author.Email,
            ["GIT_COMMITTER_DATE"] = date,
        };
    }
}
