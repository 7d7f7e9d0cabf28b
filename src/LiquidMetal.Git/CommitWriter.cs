using System.Collections.Concurrent;
using LibGit2Sharp;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// Writes commits without a working tree or an index: blobs, trees and the commit are built with libgit2 in memory
/// and stored as one pack, flushed to disk before anything can name them. Pushes them as fast-forwards and never
/// forces: a push the remote rejects means someone else moved the branch.
/// </summary>
public sealed class CommitWriter
{
    private readonly GitMirror _mirror;

    static CommitWriter()
    {
        // libgit2 checks, for every entry a tree names, that the object exists: at 1,000 hosts that is 4,000 lookups
        // through the staged-objects backend and the packs for each status commit.
        // Write makes every blob itself, or reuses one it has just found in the mirror (Contains), before any
        // tree names it, and trees name only those blobs and the parent's own subtrees, so the check cannot find
        // anything missing; it is off for this process (measured: 27-65 ms of tree building became 6-19 ms).
        GlobalSettings.SetEnableStrictObjectCreation(false);
    }

    public CommitWriter(GitMirror mirror) => _mirror = mirror;

    /// <summary>Creates the commit and returns its id, or null when its tree would equal the parent's (nothing changed).</summary>
    public async Task<string?> CreateCommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        var who = Ident(request.Author); // refused before anything is written
        var owned = request.OwnedPrefixes.Select(Folder).ToList();
        var ownedFiles = request.OwnedFiles.IsDefault ? [] : request.OwnedFiles;
        if (request.Files.Keys.FirstOrDefault(path => !owned.Any(o => path.StartsWith(o + "/", StringComparison.Ordinal)) && !ownedFiles.Contains(path)) is { } stray)
        {
            throw new ArgumentException(
                $"{stray} is outside the owned prefixes ({string.Join(", ", request.OwnedPrefixes)}) and files ({string.Join(", ", ownedFiles)}): this writer replaces only those", nameof(request));
        }

        await _mirror.WriteGate.WaitAsync(cancellationToken);
        var objects = new ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)>();
        _mirror.Writers.Begin(objects);
        try
        {
            return Libgit2.Run("cannot write the commit", () => Write(request, owned, who, objects, cancellationToken));
        }
        finally
        {
            _mirror.Writers.End();
            _mirror.WriteGate.Release();
        }
    }

    /// <summary>
    /// Pushes <paramref name="commit"/> to the remote branch only if the branch is still at <paramref name="expected"/>
    /// (null: only if it does not exist). The remote checks that old value as it updates the ref, so a branch someone
    /// moved on, or rewound, is never overwritten; and the commit's parent is <paramref name="expected"/>, so an
    /// accepted push is always a fast-forward: nothing is forced.
    /// </summary>
    /// <remarks>
    /// git push, not libgit2's: libgit2 cannot send an expected old value (--force-with-lease), has no time limit on
    /// a silent remote, and does not check SSH host keys against the configured file.
    /// </remarks>
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

        throw new GitException($"git push to {GitCli.Redact(_mirror.RemoteUrl)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}") { ExitCode = result.ExitCode };
    }

    /// <summary>
    /// Blobs first, hashed (and, when new, staged) on every core: at 200 hosts that is 7 ms on two cores instead of 12
    /// for a commit that changes a few files, 17-28 ms instead of 28-50 for a first one. An array stored before (the
    /// same object, see <see cref="GitMirror.KnownBlobs"/>) is not hashed again while its blob is in the mirror: 25 MB
    /// of rendered hosts at 1,000 hosts; a blob of the parent this mirror wrote last is known to be there without a
    /// lookup in the packs (4,000 of them at 1,000 hosts). Then the tree and the commit, and the staged objects stored as
    /// one pack; all on the mirror's writer handles (<see cref="WriterHandles"/>), whose staged objects are <paramref name="objects"/>.
    /// </summary>
    private string? Write(
        CommitRequest request, List<string> owned, Signature who, ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> objects, CancellationToken cancellationToken)
    {
        var writers = _mirror.Writers;
        var files = request.Files.ToArray();
        var ids = new ObjectId[files.Length];
        var known = _mirror.KnownBlobs;
        // The parent's blobs, when this mirror wrote the parent (a status commit on the one before it): in the mirror without a lookup.
        var inParent = _mirror.LastWritten is { } last && last.Commit == request.Parent ? last.Blobs : null;
        var stored = new bool[files.Length]; // hashed and stored by this commit, not known before
        InParts.Run(files.Length, 64, (part, parts) =>
        {
            Repository? writer = null; // a file the parent holds needs no handle
            for (var i = part; i < files.Length; i += parts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (known.TryGetValue(files[i].Value, out var id) && (inParent?.Contains(id) == true || (writer ??= writers.Get(part)).ObjectDatabase.Contains(id)))
                {
                    ids[i] = id;
                }
                else
                {
                    ids[i] = (writer ??= writers.Get(part)).ObjectDatabase.Write<Blob>(files[i].Value);
                    stored[i] = true;
                }
            }
        }, cancellationToken);

        var repository = writers.Get(0);
        var parent = request.Parent is null ? null
            : repository.Lookup<Commit>(request.Parent) ?? throw new GitException($"{request.Parent} is not a commit in the mirror");

        // The parent's tree, with the owned folders and files replaced by the request's files: a person's notes are kept.
        var tree = parent is null ? new TreeDefinition() : TreeDefinition.From(parent);
        foreach (var folder in owned.Where(folder => tree[folder] is { TargetType: TreeEntryTargetType.Tree }))
        {
            tree.Remove(folder);
        }

        foreach (var file in request.OwnedFiles.IsDefault ? [] : request.OwnedFiles)
        {
            if (tree[file] is { TargetType: TreeEntryTargetType.Blob })
            {
                tree.Remove(file);
            }
        }

        for (var i = 0; i < files.Length; i++)
        {
            tree.Add(files[i].Key, ids[i], Mode.NonExecutableFile);
        }

        var root = repository.ObjectDatabase.CreateTree(tree);
        if (parent is not null && root.Id == parent.Tree.Id)
        {
            return null; // what the parent holds already: nothing is stored
        }

        var commit = repository.ObjectDatabase.CreateCommit(who, who, request.Message, root, parent is null ? [] : [parent], prettifyMessage: false).Sha;

        // One pack: libgit2's pack builder took as long for two halves on two cores as for the whole on one.
        PackFolder.Write(repository, [.. objects.Keys]);

        for (var i = 0; i < files.Length; i++)
        {
            if (stored[i])
            {
                known.AddOrUpdate(files[i].Value, ids[i]); // stored now: the next commit may skip hashing it
            }
        }

        _mirror.LastWritten = new WrittenCommit(commit, [.. ids]);

        return commit;
    }

    /// <summary>An owned prefix as a folder path ("status/" is the folder "status"); other prefixes are refused.</summary>
    private static string Folder(string prefix) =>
        prefix.Length > 1 && prefix.EndsWith('/') && !prefix.StartsWith('/')
            ? prefix.TrimEnd('/')
            : throw new ArgumentException($"an owned prefix is a folder ending in '/', like \"status/\", not '{prefix}'", nameof(prefix));

    /// <summary>The author and committer, refused before anything is written when it would make a malformed commit.</summary>
    private static Signature Ident(GitSignature who)
    {
        if (who.Name.AsSpan().IndexOfAny("<>\n") >= 0 || who.Email.AsSpan().IndexOfAny("<>\n") >= 0)
        {
            throw new ArgumentException($"a commit author's name and email cannot contain '<', '>' or a newline: {who.Name} <{who.Email}>", nameof(who));
        }

        return new Signature(who.Name, who.Email, who.When);
    }
}
