using System.Collections.Immutable;
using LibGit2Sharp;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// A bare mirror of the fleet repo. Remote branches land under <c>refs/remotes/origin/</c>; nothing here has a
/// working tree or an index. Objects and refs are read and written in-process with libgit2 (LibGit2Sharp); talking
/// to the remote (ls-remote, fetch, push) runs the git command-line tool, for its time limits, its SSH host-key
/// checks and its compare-and-swap push, and so does folding packs together (see <see cref="CompactAsync"/>).
/// </summary>
/// <remarks>
/// Every operation opens its own <see cref="Repository"/> and disposes it before it returns: a libgit2 repository
/// handle is not safe to share between threads. Measured: an operation of two ref lookups takes 175 µs with a handle
/// of its own and 25 µs on one shared handle behind a lock; 0.15 ms per operation buys readers that never wait for
/// each other (a restart's 800-file read runs on every core), no handle kept open on a pack a compaction removed,
/// and no cache that outlives a fetch by the git tool. Writing objects and compacting packs take a gate of their own,
/// so two of them never pick the same packs.
/// </remarks>
public sealed class GitMirror : IAsyncDisposable
{
    private const string RemoteRefs = "refs/remotes/origin/";

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _compactingLock = new();
    private Task<bool> _compacting = Task.FromResult(false);
    private int _disposed;

    private GitMirror(GitCli git, string remoteUrl)
    {
        Cli = git;
        RemoteUrl = remoteUrl;
        Writers = new WriterHandles(git.GitDir);
    }

    public string RemoteUrl { get; }

    /// <summary>How long asking the remote for its heads may take before the remote counts as unreachable.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a fetch or a push may take in all: a remote that accepts the connection and then says nothing must
    /// not hang the reconciler. A stalled HTTPS or SSH transfer is abandoned sooner, by git and ssh themselves.
    /// </summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(30);

    public string Path => Cli.GitDir;

    internal GitCli Cli { get; }

    /// <summary>Taken by whatever adds or removes packs (a status commit, a compaction).</summary>
    internal SemaphoreSlim WriteGate => _writeGate;

    /// <summary>
    /// The blob each byte array was stored as in this mirror, for as long as the array lives: a status commit hands in
    /// the same arrays for documents that did not change (rendered hosts above all), and they are not hashed again.
    /// </summary>
    internal System.Runtime.CompilerServices.ConditionalWeakTable<byte[], LibGit2Sharp.ObjectId> KnownBlobs { get; } = [];

    /// <summary>The handles status commits are written with; used only under <see cref="WriteGate"/>.</summary>
    internal WriterHandles Writers { get; }

    /// <summary>The commit last written here, with its files' blobs; read and replaced only under <see cref="WriteGate"/>.</summary>
    internal WrittenCommit? LastWritten { get; set; }

    /// <summary>Opens the mirror at <paramref name="path"/>, creating it on first use; the remote URL is updated when it changed.</summary>
    public static Task<GitMirror> OpenAsync(string path, string remoteUrl, GitCredentials? credentials = null, CancellationToken cancellationToken = default) => Completed(() =>
    {
        cancellationToken.ThrowIfCancellationRequested();
        var full = System.IO.Path.GetFullPath(path);
        Libgit2.Run($"cannot open the mirror at {full}", () =>
        {
            if (!File.Exists(System.IO.Path.Combine(full, "HEAD")))
            {
                Directory.CreateDirectory(full);
                Repository.Init(full, isBare: true);
            }

            using var repository = new Repository(full);
            ConfigureOrigin(repository, remoteUrl);
            PackFolder.ConfigureWithoutDeltas(repository);
        });
        PackFolder.RemoveAbandonedStaging(full);
        return new GitMirror(new GitCli(full, credentials), remoteUrl);
    });

    /// <summary>
    /// The commit each branch points at on the remote (absent when the branch does not exist there):
    /// one round trip, no objects transferred.
    /// </summary>
    /// <remarks>
    /// git ls-remote, not libgit2's: libgit2 has no time limit on a remote that accepts and then says nothing (it
    /// blocks for good, and cannot be cancelled), and does not check SSH host keys against the configured file.
    /// </remarks>
    public async Task<ImmutableDictionary<string, string>> GetRemoteHeadsAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "ls-remote", "--heads", "origin" };
        arguments.AddRange(branches.Select(b => "refs/heads/" + b));
        var result = await RunRemoteAsync(arguments, QueryTimeout, cancellationToken);
        var output = result.ExitCode == 0
            ? result.Text
            : throw new GitException($"git {GitCli.Describe(arguments)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}") { ExitCode = result.ExitCode };
        var heads = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var reference = line[(tab + 1)..];
            if (tab > 0 && reference.StartsWith("refs/heads/", StringComparison.Ordinal))
            {
                heads[reference["refs/heads/".Length..]] = line[..tab];
            }
        }

        return heads.ToImmutable();
    }

    /// <summary>The commit the mirror last fetched for a branch, or null.</summary>
    internal async Task<string?> GetLocalHeadAsync(string branch, CancellationToken cancellationToken = default) =>
        (await GetLocalHeadsAsync([branch], cancellationToken)).GetValueOrDefault(branch);

    /// <summary>The commits the mirror last fetched for these branches (absent when never fetched).</summary>
    private Task<Dictionary<string, string>> GetLocalHeadsAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken) =>
        ReadAsync("cannot read the mirror's branches", repository =>
        {
            var heads = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var branch in branches)
            {
                if (repository.Refs[RemoteRefs + branch]?.ResolveToDirectReference()?.Target is Commit commit)
                {
                    heads[branch] = commit.Sha;
                }
            }

            return heads;
        }, cancellationToken);

    /// <summary>Fetches every branch; branches deleted on the remote are pruned, rewritten ones follow the remote.</summary>
    private async Task FetchAsync(CancellationToken cancellationToken)
    {
        string[] arguments = ["fetch", "--quiet", "--prune", "--no-tags", "origin"];
        var result = await RunRemoteAsync(arguments, TransferTimeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new GitException($"git {GitCli.Describe(arguments)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}") { ExitCode = result.ExitCode };
        }
    }

    /// <summary>Runs a git command that talks to the remote, killing it when it takes longer than <paramref name="timeout"/>.</summary>
    internal async Task<ProcessResult> RunRemoteAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await Cli.RunAsync(arguments, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GitException($"git {GitCli.Describe(arguments)}: no answer from {GitCli.Redact(RemoteUrl)} within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>
    /// Brings the mirror up to date with the remote for the given branches, fetching only when a
    /// remote head differs from the local one. Returns the remote heads.
    /// </summary>
    public async Task<SyncResult> SyncAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken = default)
    {
        var remote = await GetRemoteHeadsAsync(branches, cancellationToken);
        var local = await GetLocalHeadsAsync(branches, cancellationToken);
        var stale = branches.Any(branch => local.GetValueOrDefault(branch) != remote.GetValueOrDefault(branch));

        if (stale)
        {
            await FetchAsync(cancellationToken);
        }

        return new SyncResult(remote, stale);
    }

    /// <summary>Every file (blob, symlink, submodule) under <paramref name="revision"/>, recursively, in git's order, with blob sizes.</summary>
    public Task<ImmutableArray<TreeEntry>> ListTreeAsync(string revision, string? underPath = null, CancellationToken cancellationToken = default) =>
        ReadAsync($"cannot list the files of revision '{revision}'", repository =>
        {
            var entries = ImmutableArray.CreateBuilder<TreeEntry>();
            if (Trees.Folder(repository, revision, underPath) is { } tree)
            {
                Trees.AddEntries(repository, tree, entries, cancellationToken);
            }

            return entries.ToImmutable();
        }, cancellationToken);

    /// <summary>Every file (blob) under <paramref name="folder"/> at a revision, with its content, in path order.</summary>
    public Task<IReadOnlyList<(TreeEntry Entry, byte[] Content)>> ReadFilesAsync(string revision, string folder, CancellationToken cancellationToken = default) =>
        ReadAsync($"cannot read {folder} at revision '{revision}'", repository =>
        {
            var files = new List<(TreeEntry, byte[])>();
            if (Trees.Folder(repository, revision, folder) is not { } tree)
            {
                return (IReadOnlyList<(TreeEntry, byte[])>)files;
            }

            var entries = ImmutableArray.CreateBuilder<TreeEntry>();
            Trees.AddEntries(repository, tree, entries, cancellationToken);
            var blobs = entries.Where(e => e.Type == "blob").ToList();
            var contents = Trees.Contents(Path, [.. blobs.Select(e => e.Id)], cancellationToken);
            for (var i = 0; i < blobs.Count; i++)
            {
                files.Add((blobs[i], contents[i] ?? throw new GitException($"{blobs[i].Path} ({blobs[i].Id}) is missing from the mirror")));
            }

            return files;
        }, cancellationToken);

    /// <summary>The contents of these blobs, in the order asked; null for an id the mirror does not hold as a blob.</summary>
    public Task<byte[]?[]> ReadBlobsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        Completed(() => Libgit2.Run("cannot read blobs from the mirror", () => Trees.Contents(Path, ids, cancellationToken)));

    /// <summary>The content of the file at <paramref name="path"/> in a commit; null when the commit or the file is missing, or the path is not a file.</summary>
    public Task<byte[]?> ReadFileAsync(string commit, string path, CancellationToken cancellationToken = default) =>
        ReadAsync($"cannot read {path} at {commit}", repository =>
            repository.Lookup<Commit>(commit)?[path] is { TargetType: TreeEntryTargetType.Blob } entry ? Trees.Content(repository, entry.Target.Sha) : null,
            cancellationToken);

    /// <summary>True when the mirror holds <paramref name="commit"/> (a commit id or any revision git understands) as a commit.</summary>
    public Task<bool> HasCommitAsync(string commit, CancellationToken cancellationToken = default) =>
        ReadAsync($"cannot look up {commit}", repository => repository.Lookup<Commit>(commit) is not null, cancellationToken);

    /// <summary>
    /// Folds small packs together once there are more than <paramref name="packLimit"/>: every status commit is a pack
    /// of its own, and a mirror of thousands of packs makes every object lookup slow. Geometric repacking rewrites only
    /// the small packs (and the loose objects a small fetch leaves), so its cost follows what was added since, not
    /// the history.
    /// </summary>
    /// <remarks>
    /// git repack, not libgit2's pack builder: after a first commit and 40 six-host changes at 200 hosts, git folds
    /// the 41 packs in 171-189 ms into 467 KiB; the same geometric fold with the pack builder took 334-445 ms and
    /// 1,204 KiB, since libgit2 cannot reuse what is already compressed, its delta search is too slow to turn on, and
    /// it cannot list a pack's objects (that needed a hand-written index reader).
    /// </remarks>
    /// <returns>True when it repacked.</returns>
    public async Task<bool> CompactAsync(int packLimit = 32, CancellationToken cancellationToken = default)
    {
        var folder = System.IO.Path.Combine(Path, "objects", "pack");
        if (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.pack").Length <= packLimit)
        {
            return false;
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var result = await Cli.RunAsync(["repack", "--geometric=2", "-d", "-q"], cancellationToken);
            return result.ExitCode == 0 ? true : throw new GitException($"git repack failed (exit {result.ExitCode}): {result.Stderr.Trim()}") { ExitCode = result.ExitCode };
        }
        finally
        {
            Writers.Close(); // they may hold packs the fold deleted (also one that failed half way)
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Starts <see cref="CompactAsync"/> on the thread pool, unless one is still running, and returns it. A fold takes
    /// 450-800 ms at 1,000 hosts (once every 30-odd status commits): a status commit starts it and does not wait, the
    /// next commit waits for the write gate only if the fold still holds it, and disposing the mirror waits for it.
    /// </summary>
    public Task<bool> CompactInBackground(int packLimit = 32)
    {
        lock (_compactingLock)
        {
            if (_compacting.IsCompleted)
            {
                _compacting = Task.Run(() => CompactAsync(packLimit));
            }

            return _compacting;
        }
    }

    /// <summary>The commit's signature (null when it is unsigned), the bytes it signs, and when it was committed.</summary>
    internal Task<(string? Signature, string SignedData, DateTimeOffset Committed)> ReadSignatureAsync(string commit, CancellationToken cancellationToken) =>
        ReadAsync($"cannot read the signature of {commit}", repository =>
        {
            var found = repository.Lookup<Commit>(commit) ?? throw new GitException($"commit {commit} is not in the mirror");
            try
            {
                var signed = Commit.ExtractSignature(repository, found.Id, "gpgsig");
                return ((string?)signed.Signature, signed.SignedData, found.Committer.When);
            }
            catch (NotFoundException)
            {
                return (null, string.Empty, found.Committer.When);
            }
        }, cancellationToken);

    /// <summary>Runs a read on a repository handle of its own (see the remarks on the class).</summary>
    private Task<T> ReadAsync<T>(string failure, Func<Repository, T> read, CancellationToken cancellationToken) => Completed(() =>
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Libgit2.Run(failure, () =>
        {
            using var repository = new Repository(Path);
            return read(repository);
        });
    });

    /// <summary>
    /// libgit2 work, done on the caller's thread (it is short, and in-process); its failure comes back as a faulted
    /// task, as from any asynchronous method, not thrown by the call.
    /// </summary>
    private static Task<T> Completed<T>(Func<T> work)
    {
        try
        {
            return Task.FromResult(work());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private static void ConfigureOrigin(Repository repository, string remoteUrl)
    {
        const string everyBranch = "+refs/heads/*:refs/remotes/origin/*";
        if (repository.Network.Remotes["origin"] is not { } origin)
        {
            repository.Network.Remotes.Add("origin", remoteUrl, everyBranch);
        }
        else if (origin.Url != remoteUrl || origin.FetchRefSpecs.Select(r => r.Specification).SingleOrDefault() != everyBranch)
        {
            repository.Network.Remotes.Update("origin", r =>
            {
                r.Url = remoteUrl;
                r.FetchRefSpecs = new[] { everyBranch };
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Task compacting;
        lock (_compactingLock)
        {
            compacting = _compacting;
        }

        // A fold in flight finishes first (git repack is safe to kill, but it would then leave its temporary pack behind).
        await compacting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _writeGate.WaitAsync(); // and a commit being written
        Writers.Dispose();
        _writeGate.Dispose();
    }
}
