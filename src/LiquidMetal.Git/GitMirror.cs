using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// A bare mirror of the fleet repo, driven through the git command-line tool. Remote branches land
/// under <c>refs/remotes/origin/</c>; nothing here has a working tree or an index.
/// </summary>
public sealed class GitMirror : IAsyncDisposable
{
    private readonly CatFileBatch _objects;

    private GitMirror(GitCli git, string remoteUrl)
    {
        Cli = git;
        RemoteUrl = remoteUrl;
        _objects = new CatFileBatch(git);
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

    /// <summary>Opens the mirror at <paramref name="path"/>, creating it on first use; the remote URL is updated when it changed.</summary>
    public static async Task<GitMirror> OpenAsync(string path, string remoteUrl, GitCredentials? credentials = null, CancellationToken cancellationToken = default)
    {
        var git = new GitCli(System.IO.Path.GetFullPath(path), credentials);
        if (!File.Exists(System.IO.Path.Combine(git.GitDir, "HEAD")))
        {
            Directory.CreateDirectory(git.GitDir);
            await git.RunCheckedAsync(["init", "--quiet", "--bare"], cancellationToken: cancellationToken);
        }

        var current = await git.RunAsync(["config", "--get", "remote.origin.url"], cancellationToken: cancellationToken);
        if (current.ExitCode != 0)
        {
            await git.RunCheckedAsync(["remote", "add", "origin", remoteUrl], cancellationToken: cancellationToken);
        }
        else if (current.Text.Trim() != remoteUrl)
        {
            await git.RunCheckedAsync(["remote", "set-url", "origin", remoteUrl], cancellationToken: cancellationToken);
        }

        await git.RunCheckedAsync(["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"], cancellationToken: cancellationToken);
        return new GitMirror(git, remoteUrl);
    }

    /// <summary>
    /// The commit each branch points at on the remote (absent when the branch does not exist there):
    /// one round trip, no objects transferred.
    /// </summary>
    public async Task<ImmutableDictionary<string, string>> GetRemoteHeadsAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "ls-remote", "--heads", "origin" };
        arguments.AddRange(branches.Select(b => "refs/heads/" + b));
        var result = await RunRemoteAsync(arguments, QueryTimeout, cancellationToken);
        var output = result.ExitCode == 0
            ? result.Text
            : throw new GitException($"git {GitCli.Describe(arguments)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}");
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
    public async Task<string?> GetLocalHeadAsync(string branch, CancellationToken cancellationToken = default)
    {
        var result = await Cli.RunAsync(["rev-parse", "--verify", "--quiet", "refs/remotes/origin/" + branch + "^{commit}"], cancellationToken: cancellationToken);
        return result.ExitCode == 0 ? result.Text.Trim() : null;
    }

    /// <summary>The commits the mirror last fetched for these branches (absent when never fetched): one process for all of them.</summary>
    private async Task<Dictionary<string, string>> GetLocalHeadsAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "for-each-ref", "--format=%(objectname) %(refname)" };
        arguments.AddRange(branches.Select(b => "refs/remotes/origin/" + b));
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await Cli.RunCheckedAsync(arguments, cancellationToken: cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            heads[line[(space + 1 + "refs/remotes/origin/".Length)..]] = line[..space];
        }

        return heads;
    }

    /// <summary>Fetches every branch; branches deleted on the remote are pruned, rewritten ones follow the remote.</summary>
    public async Task FetchAsync(CancellationToken cancellationToken = default)
    {
        string[] arguments = ["fetch", "--quiet", "--prune", "--no-tags", "origin"];
        var result = await RunRemoteAsync(arguments, TransferTimeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new GitException($"git {GitCli.Describe(arguments)} failed (exit {result.ExitCode}): {GitCli.Redact(result.Stderr.Trim())}");
        }
    }

    /// <summary>Runs a git command that talks to the remote, killing it when it takes longer than <paramref name="timeout"/>.</summary>
    internal async Task<GitResult> RunRemoteAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await Cli.RunAsync(arguments, cancellationToken: limit.Token);
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

    /// <summary>True when <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (false after a force-push rewrote history).</summary>
    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken = default)
    {
        var result = await Cli.RunAsync(["merge-base", "--is-ancestor", ancestor, descendant], cancellationToken: cancellationToken);
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            _ => throw new GitException($"git merge-base --is-ancestor {ancestor} {descendant} failed: {result.Stderr.Trim()}"),
        };
    }

    /// <summary>Every file (blob, symlink, submodule) under <paramref name="revision"/>, recursively, with blob sizes.</summary>
    public async Task<ImmutableArray<TreeEntry>> ListTreeAsync(string revision, string? underPath = null, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "ls-tree", "-r", "-l", "-z", "--full-tree", revision };
        if (!string.IsNullOrEmpty(underPath))
        {
            arguments.Add("--");
            arguments.Add(underPath.TrimEnd('/') + "/");
        }

        var result = await Cli.RunAsync(arguments, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new GitException($"cannot list the files of revision '{revision}': {result.Stderr.Trim()}");
        }

        var entries = ImmutableArray.CreateBuilder<TreeEntry>();
        foreach (var record in Encoding.UTF8.GetString(result.Stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <type> <id> <size>\t<path>", size padded and "-" for non-blobs.
            var tab = record.IndexOf('\t', StringComparison.Ordinal);
            var fields = record[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var size = long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            entries.Add(new TreeEntry(fields[0], fields[1], fields[2], size, record[(tab + 1)..]));
        }

        return entries.ToImmutable();
    }

    /// <summary>
    /// Folds small packs together once there are more than <paramref name="packLimit"/>: every status commit is a pack
    /// of its own, and a mirror of thousands of packs makes every object lookup slow. Geometric repacking rewrites only
    /// the small packs, so its cost follows what was added since, not the history.
    /// </summary>
    /// <returns>True when it repacked.</returns>
    public async Task<bool> CompactAsync(int packLimit = 32, CancellationToken cancellationToken = default)
    {
        var folder = System.IO.Path.Combine(Path, "objects", "pack");
        if (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.pack").Length <= packLimit)
        {
            return false;
        }

        await Cli.RunCheckedAsync(["repack", "--geometric=2", "-d", "-q"], cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>
    /// Every file (blob) under <paramref name="folder"/> at a revision, with its content, in path order: one tree
    /// listing and one pipelined read for all of them.
    /// </summary>
    public async Task<IReadOnlyList<(TreeEntry Entry, byte[] Content)>> ReadFilesAsync(string revision, string folder, CancellationToken cancellationToken = default)
    {
        var entries = (await ListTreeAsync(revision, folder, cancellationToken)).Where(e => e.Type == "blob").ToList();
        var blobs = await ReadObjectsAsync([.. entries.Select(e => e.Id)], cancellationToken);
        return [.. entries.Select((entry, i) => (entry, blobs[i]?.Content ?? throw new GitException($"{entry.Path} ({entry.Id}) is missing from the mirror")))];
    }

    /// <summary>Reads one object through the mirror's long-lived cat-file process.</summary>
    public Task<GitObject?> ReadObjectAsync(string objectName, CancellationToken cancellationToken = default) =>
        _objects.ReadAsync(objectName, cancellationToken);

    /// <summary>Reads many objects in one pipelined exchange with the cat-file process; in the order asked, null for a missing one.</summary>
    public Task<GitObject?[]> ReadObjectsAsync(IReadOnlyList<string> objectNames, CancellationToken cancellationToken = default) =>
        _objects.ReadManyAsync(objectNames, cancellationToken);

    public ValueTask DisposeAsync() => _objects.DisposeAsync();
}
