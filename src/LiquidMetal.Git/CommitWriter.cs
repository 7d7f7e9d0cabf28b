using System.Globalization;
using System.Text;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// Writes commits without a working tree or an index: blobs, trees and the commit are built in memory, hashed as git
/// hashes them, and stored as one pack. Pushes them as fast-forwards and never forces: a push the remote rejects
/// means someone else moved the branch.
/// </summary>
public sealed class CommitWriter
{
    private readonly GitMirror _mirror;

    public CommitWriter(GitMirror mirror) => _mirror = mirror;

    /// <summary>Creates the commit and returns its id, or null when its tree would equal the parent's (nothing changed).</summary>
    public async Task<string?> CreateCommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        var committer = Ident(request.Author);
        var leaves = new SortedDictionary<string, (string Mode, string Id)>(StringComparer.Ordinal);
        var ownedBefore = new Dictionary<string, string>(StringComparer.Ordinal);
        string? parentTree = null;
        if (request.Parent is { } parent)
        {
            parentTree = await TreeOfAsync(parent, cancellationToken);
            foreach (var entry in await _mirror.ListTreeAsync(parent, cancellationToken: cancellationToken))
            {
                if (!request.OwnedPrefixes.Any(p => entry.Path.StartsWith(p, StringComparison.Ordinal)))
                {
                    leaves[entry.Path] = (entry.Mode, entry.Id);
                }
                else if (entry.Mode == "100644")
                {
                    ownedBefore[entry.Path] = entry.Id;
                }
            }
        }

        // When every owned file is as it was, there is nothing to commit and nothing is written.
        var hexLength = parentTree?.Length ?? ((await _mirror.Cli.RunCheckedAsync(["rev-parse", "--show-object-format"], cancellationToken: cancellationToken)).Trim() == "sha256" ? 64 : 40);
        var files = request.Files.ToArray();
        var hashed = new string[files.Length];
        Parallel.For(0, files.Length, i => hashed[i] = ObjectPack.IdOf(ObjectType.Blob, files[i].Value, hexLength));
        var ids = files.Select((f, i) => KeyValuePair.Create(f.Key, hashed[i])).ToDictionary(StringComparer.Ordinal);
        if (parentTree is not null && ids.Count == ownedBefore.Count && ids.All(f => ownedBefore.GetValueOrDefault(f.Key) == f.Value))
        {
            return null;
        }

        // Only content the parent does not already hold goes into the pack.
        var pack = new ObjectPack(hexLength);
        var known = ownedBefore.Values.ToHashSet(StringComparer.Ordinal);
        foreach (var (path, content) in request.Files)
        {
            if (!known.Contains(ids[path]))
            {
                pack.Add(ObjectType.Blob, content, ids[path]);
            }

            leaves[path] = ("100644", ids[path]);
        }

        var rootTree = AddTrees(pack, leaves);
        if (rootTree == parentTree)
        {
            return null;
        }

        var commit = new StringBuilder();
        commit.Append(CultureInfo.InvariantCulture, $"tree {rootTree}\n");
        if (request.Parent is not null)
        {
            commit.Append(CultureInfo.InvariantCulture, $"parent {request.Parent}\n");
        }

        commit.Append(CultureInfo.InvariantCulture, $"author {committer}\ncommitter {committer}\n\n").Append(request.Message);
        var id = pack.Add(ObjectType.Commit, Encoding.UTF8.GetBytes(commit.ToString()));
        await pack.WriteAsync(Path.Combine(_mirror.Path, "objects"), cancellationToken);
        return id;
    }

    /// <summary>
    /// Pushes <paramref name="commit"/> to the remote branch only if the branch is still at <paramref name="expected"/>
    /// (null: only if it does not exist). The remote checks that old value as it updates the ref, so a branch someone
    /// moved on, or rewound, is never overwritten; and the commit's parent is <paramref name="expected"/>, so an
    /// accepted push is always a fast-forward: nothing is forced.
    /// </summary>
    public async Task<PushOutcome> PushAsync(string commit, string branch, string? expected, CancellationToken cancellationToken = default)
    {
        var reference = "refs/heads/" + branch;
        var result = await _mirror.RunRemoteAsync(
            ["push", "--porcelain", $"--force-with-lease={reference}:{expected}", "origin", $"{commit}:{reference}"], _mirror.TransferTimeout, cancellationToken);
        if (result.ExitCode == 0)
        {
            // git push has moved refs/remotes/origin/<branch> too: the mirror's fetch refspec maps the pushed branch to it.
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

    /// <summary>
    /// Adds the tree of every folder that holds a leaf, deepest first, and returns the root tree's id. Entries are in
    /// git's order: byte order of the name, a folder's name compared as if it ended in '/'.
    /// </summary>
    private static string AddTrees(ObjectPack pack, SortedDictionary<string, (string Mode, string Id)> leaves)
    {
        var folders = new Dictionary<string, List<(string Name, string Mode, string Id)>>(StringComparer.Ordinal) { [string.Empty] = [] };
        foreach (var (path, leaf) in leaves)
        {
            var slash = path.LastIndexOf('/');
            EntriesOf(folders, slash < 0 ? string.Empty : path[..slash]).Add((path[(slash + 1)..], leaf.Mode, leaf.Id));
        }

        foreach (var folder in folders.Keys.Where(f => f.Length > 0).OrderByDescending(f => f.Count(c => c == '/')).ToList())
        {
            var slash = folder.LastIndexOf('/');
            var id = pack.Add(ObjectType.Tree, TreeObject(folders[folder]));
            folders[slash < 0 ? string.Empty : folder[..slash]].Add((folder[(slash + 1)..], "40000", id));
        }

        return pack.Add(ObjectType.Tree, TreeObject(folders[string.Empty]));
    }

    private static List<(string Name, string Mode, string Id)> EntriesOf(Dictionary<string, List<(string Name, string Mode, string Id)>> folders, string path)
    {
        if (!folders.TryGetValue(path, out var entries))
        {
            folders[path] = entries = [];
            var slash = path.LastIndexOf('/');
            EntriesOf(folders, slash < 0 ? string.Empty : path[..slash]);
        }

        return entries;
    }

    /// <summary>A tree object: for each entry "&lt;mode&gt; &lt;name&gt;\0" and the raw id, in git's order (UTF-8 bytes, not UTF-16 units).</summary>
    private static byte[] TreeObject(List<(string Name, string Mode, string Id)> entries)
    {
        var named = entries.Select(e => (Entry: e, Key: Encoding.UTF8.GetBytes(e.Mode == "40000" ? e.Name + "/" : e.Name))).ToList();
        named.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        var tree = new MemoryStream();
        foreach (var (entry, _) in named)
        {
            tree.Write(Encoding.UTF8.GetBytes($"{entry.Mode} {entry.Name}\0"));
            tree.Write(Convert.FromHexString(entry.Id));
        }

        return tree.ToArray();
    }

    /// <summary>The tree a commit points at, read through the mirror's cat-file process.</summary>
    private async Task<string> TreeOfAsync(string commit, CancellationToken cancellationToken)
    {
        var content = await _mirror.ReadObjectAsync(commit, cancellationToken);
        var text = content is { Type: "commit" } ? Encoding.UTF8.GetString(content.Content) : null;
        return text is not null && text.StartsWith("tree ", StringComparison.Ordinal) && text.IndexOf('\n', StringComparison.Ordinal) is > 5 and var end
            ? text[5..end]
            : throw new GitException($"{commit} is not a commit in the mirror");
    }

    /// <summary>"Name &lt;email&gt; seconds +hhmm", as git writes an author; refuses what would make a malformed commit.</summary>
    private static string Ident(GitSignature who)
    {
        if (who.Name.AsSpan().IndexOfAny("<>\n") >= 0 || who.Email.AsSpan().IndexOfAny("<>\n") >= 0)
        {
            throw new ArgumentException($"a commit author's name and email cannot contain '<', '>' or a newline: {who.Name} <{who.Email}>", nameof(who));
        }

        var offset = who.When.Offset;
        var zone = $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}";
        return $"{who.Name} <{who.Email}> {who.When.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)} {zone}";
    }
}
