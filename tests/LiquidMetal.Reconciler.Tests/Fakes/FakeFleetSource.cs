using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Source;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// The fleet repository in memory: commits of files, branch heads (shared with <see cref="FakeStatusStore"/>, as both
/// branches live on one remote), and the signature each commit carries. It counts what a pass asks of it.
/// </summary>
internal sealed class FakeFleetSource : IFleetSource
{
    private readonly ConcurrentDictionary<string, (ImmutableSortedDictionary<string, string> Files, SignatureVerdict Signature)> _commits = new(StringComparer.Ordinal);
    private int _syncs;
    private int _fleetReads;
    private int _verifications;
    private int _fileReads;

    /// <summary>The remote's branches and the commit each points at.</summary>
    public ConcurrentDictionary<string, string> Heads { get; } = new(StringComparer.Ordinal);

    public string Branch { get; init; } = "main";

    /// <summary>When set, every sync throws it (the remote is unreachable).</summary>
    public Exception? SyncFails { get; set; }

    /// <summary>Runs in every sync: a test moves its clock here to make a pass take time, as a slow remote would.</summary>
    public Action? DuringSync { get; set; }

    /// <summary>Awaited in every sync with the pass's token: a test holds a pass in flight with it.</summary>
    public Func<CancellationToken, Task>? HoldSync { get; set; }

    public int Syncs => Volatile.Read(ref _syncs);

    public int FleetReads => Volatile.Read(ref _fleetReads);

    public int Verifications => Volatile.Read(ref _verifications);

    public int FileReads => Volatile.Read(ref _fileReads);

    public string? SignaturesRequiredMark { get; set; }

    public string SignaturesRequiredMarkPath => "mirror.git/" + GitFleetSource.SignaturesRequiredMarker;

    /// <summary>The head of the fleet branch.</summary>
    public string Head => Heads[Branch];

    /// <summary>fleet-example, committed unsigned on the fleet branch.</summary>
    public static FakeFleetSource Example([CallerFilePath] string source = "")
    {
        var example = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "fleet-example"));
        var files = Directory.EnumerateFiles(example, "*.yaml", SearchOption.AllDirectories)
            .ToImmutableSortedDictionary(f => Path.GetRelativePath(example, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);
        var fleet = new FakeFleetSource();
        fleet.Heads[fleet.Branch] = fleet.Commit(files);
        return fleet;
    }

    /// <summary>A commit of <paramref name="files"/> that no branch points at yet.</summary>
    public string Commit(ImmutableSortedDictionary<string, string> files, SignatureVerdict signature = SignatureVerdict.Unsigned)
    {
        var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{_commits.Count}\n{signature}\n{string.Join('\n', files.Select(f => f.Key + "\n" + f.Value))}")));
        _commits[id] = (files, signature);
        return id;
    }

    /// <summary>The files at a commit.</summary>
    public ImmutableSortedDictionary<string, string> FilesAt(string revision) => _commits[revision].Files;

    /// <summary>Edits one file at the fleet branch's head (null removes it), commits and moves the branch; returns the new head.</summary>
    public string Push(string path, Func<string, string?> edit, SignatureVerdict signature = SignatureVerdict.Unsigned)
    {
        var files = FilesAt(Head);
        var text = edit(files.GetValueOrDefault(path, string.Empty));
        return Heads[Branch] = Commit(text is null ? files.Remove(path) : files.SetItem(path, text), signature);
    }

    /// <summary>Replaces text in one file at the head, which must contain it; returns the new head.</summary>
    public string Replace(string path, string old, string @new, SignatureVerdict signature = SignatureVerdict.Unsigned) =>
        Push(path, text => text.Contains(old, StringComparison.Ordinal) ? text.Replace(old, @new, StringComparison.Ordinal) : throw new ArgumentException($"{path} has no '{old}'"), signature);

    public async Task<ImmutableDictionary<string, string>> SyncAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _syncs);
        DuringSync?.Invoke();
        if (HoldSync is { } hold)
        {
            await hold(cancellationToken);
        }

        if (SyncFails is { } failure)
        {
            throw failure;
        }

        return Heads.Where(h => branches.Contains(h.Key)).ToImmutableDictionary(StringComparer.Ordinal);
    }

    public Task<FleetFiles> ReadFleetAsync(string revision, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fleetReads);
        var files = FilesAt(revision).Where(f => FleetLoader.IsFleetPath(f.Key)).Select(f => new FleetFile(f.Key, Encoding.UTF8.GetBytes(f.Value))).ToList();
        return Task.FromResult(new FleetFiles(revision, files, []));
    }

    public Task<bool> HasCommitAsync(string revision, CancellationToken cancellationToken) => Task.FromResult(_commits.ContainsKey(revision));

    public Task<byte[]?> ReadFileAsync(string revision, string path, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fileReads);
        return Task.FromResult(_commits.TryGetValue(revision, out var commit) && commit.Files.TryGetValue(path, out var text) ? Encoding.UTF8.GetBytes(text) : null);
    }

    public Task<SignatureCheck> VerifyAsync(string revision, SignatureTrust trust, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _verifications);
        var verdict = _commits.TryGetValue(revision, out var commit) ? commit.Signature : SignatureVerdict.Unsigned;
        return Task.FromResult(new SignatureCheck(verdict, verdict switch
        {
            SignatureVerdict.Trusted => "good signature by release",
            SignatureVerdict.Untrusted => "signed by a key not in the allowed signers",
            _ => "no signature",
        }));
    }

    public Task MarkSignaturesRequiredAsync(string why, CancellationToken cancellationToken)
    {
        SignaturesRequiredMark ??= why;
        return Task.CompletedTask;
    }
}
