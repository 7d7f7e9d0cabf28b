using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// The status branch in memory, on the heads of a <see cref="FakeFleetSource"/>: commits of files, read back through
/// the real document readers, written with compare-and-swap (a write that finds the branch moved composes again on the
/// new tip), and no commit when the reconciler's folders would not change. It counts reads and keeps every commit.
/// </summary>
internal sealed class FakeStatusStore(ConcurrentDictionary<string, string> heads, string branch = "liquidmetal/status") : IStatusStore
{
    private readonly ConcurrentDictionary<string, ImmutableSortedDictionary<string, byte[]>> _commits = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Commit, string Message)> _pushed = new();
    private int _reads;
    private int _writes;

    /// <summary>Runs once, just before the next push, with the tip that push expects: another writer's chance to win the race.</summary>
    public Action<string?>? BeforeNextPush { get; set; }

    public string? Tip => heads.GetValueOrDefault(branch);

    /// <summary>ReadAsync calls that had a tip to read.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>WriteAsync calls, whether or not they committed.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>The commits the reconciler pushed, oldest first, with their messages.</summary>
    public IReadOnlyList<(string Commit, string Message)> Pushed => [.. _pushed];

    /// <summary>A file at the branch's tip, as text; null when it is not there.</summary>
    public string? File(string path) => Tip is { } tip && _commits[tip].TryGetValue(path, out var content) ? Encoding.UTF8.GetString(content) : null;

    /// <summary>Every path at the branch's tip.</summary>
    public IReadOnlyList<string> Paths => Tip is { } tip ? [.. _commits[tip].Keys] : [];

    /// <summary>A person's commit on the branch: <paramref name="edit"/> gets the files at <paramref name="parent"/> and returns the new ones.</summary>
    public string CommitByHand(string? parent, Func<ImmutableSortedDictionary<string, byte[]>, ImmutableSortedDictionary<string, byte[]>> edit)
    {
        var files = edit(parent is null ? ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal) : _commits[parent]);
        var id = Store(files, parent);
        heads[branch] = id;
        return id;
    }

    public Task<StatusAt> ReadAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        if (tip is null)
        {
            return Task.FromResult(StatusAt.None);
        }

        Interlocked.Increment(ref _reads);
        var files = _commits[tip];
        FleetStatusDocument? fleet = null;
        var clusters = ImmutableArray.CreateBuilder<ClusterStatusDocument>();
        var hosts = ImmutableArray.CreateBuilder<HostStatusDocument>();
        var rendered = new List<RenderedHost>();
        foreach (var (path, content) in files)
        {
            var text = Encoding.UTF8.GetString(content);
            if (path == "status/fleet.yaml")
            {
                fleet = StatusYaml.ReadFleet(text);
            }
            else if (path.StartsWith("status/clusters/", StringComparison.Ordinal))
            {
                clusters.Add(StatusYaml.ReadCluster(text));
            }
            else if (path.StartsWith("status/hosts/", StringComparison.Ordinal))
            {
                hosts.Add(StatusYaml.ReadHost(text));
            }
            else if (path.StartsWith("rendered/hosts/", StringComparison.Ordinal))
            {
                var problems = new List<Diagnostic>();
                if (RenderedHostYaml.Read(path, text, problems) is { } host)
                {
                    rendered.Add(host);
                }

                foreach (var problem in problems)
                {
                    warnings.Add(problem.ToString());
                }
            }
        }

        return Task.FromResult(new StatusAt(tip, new StatusSnapshot(tip, fleet, clusters.ToImmutable(), hosts.ToImmutable()), rendered));
    }

    public Task<ImmutableSortedDictionary<string, byte[]>> ReadOwnedAsync(string tip, CancellationToken cancellationToken) => Task.FromResult(Owned(_commits[tip]));

    public async Task<StatusWrite> WriteAsync(Func<string?, Task<StatusCommit>> compose, string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var status = await compose(tip);
            var before = tip is null ? null : _commits[tip];
            if (before is not null && SameFiles(Owned(before), status.Files))
            {
                return new StatusWrite(null, status, tip, TimeSpan.Zero);
            }

            var files = (before ?? ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal)).RemoveRange(Owned(before).Keys).SetItems(status.Files);
            var commit = Store(files, tip);
            if (Push(commit, tip, status.Message))
            {
                return new StatusWrite(commit, status, commit, TimeSpan.Zero);
            }

            tip = heads.GetValueOrDefault(branch);
        }

        throw new InvalidOperationException($"the status push to {branch} lost the race 5 times");
    }

    public Task<IReadOnlyDictionary<string, ControlPlaneRelease>> ReadReleasesAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var releases = new Dictionary<string, ControlPlaneRelease>(StringComparer.Ordinal);
        foreach (var (path, content) in tip is null ? [] : _commits[tip].Where(f => f.Key.StartsWith(ControlPlaneRelease.Folder + "/", StringComparison.Ordinal)))
        {
            try
            {
                var release = ControlPlaneRelease.Read(path, content);
                releases[release.Cluster] = release;
            }
            catch (InvalidDataException e)
            {
                warnings.Add(e.Message); // as the real store: left out, with a warning
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, ControlPlaneRelease>>(releases);
    }

    public Task<ReleaseRecord> RecordReleasesAsync(string? tip, IReadOnlyList<ControlPlaneRelease> releases, CancellationToken cancellationToken)
    {
        var files = (tip is null ? ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal) : _commits[tip])
            .SetItems(releases.Select(r => KeyValuePair.Create(r.Path, r.ToBytes())));
        var pushed = Push(Store(files, tip), tip, "rollout: " + string.Join("; ", releases.Select(r => $"{r.Cluster}: replacing {r.Vm}")));
        return Task.FromResult(new ReleaseRecord(pushed, heads.GetValueOrDefault(branch)));
    }

    /// <summary>Compare-and-swap, as a push with the expected old value, after another writer's chance to win the race.</summary>
    private bool Push(string commit, string? tip, string message)
    {
        if (BeforeNextPush is { } race)
        {
            BeforeNextPush = null;
            race(tip);
        }

        var pushed = tip is null ? heads.TryAdd(branch, commit) : heads.TryUpdate(branch, commit, tip);
        if (pushed)
        {
            _pushed.Enqueue((commit, message));
        }

        return pushed;
    }

    private string Store(ImmutableSortedDictionary<string, byte[]> files, string? parent)
    {
        var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{parent}\n{_commits.Count}\n{string.Join('\n', files.Keys)}")));
        _commits[id] = files;
        return id;
    }

    private static ImmutableSortedDictionary<string, byte[]> Owned(ImmutableSortedDictionary<string, byte[]>? files) =>
        (files ?? ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal))
            .Where(f => GitStatusStore.OwnedPrefixes.Any(p => f.Key.StartsWith(p, StringComparison.Ordinal)) || GitStatusStore.OwnedFiles.Contains(f.Key))
            .ToImmutableSortedDictionary(StringComparer.Ordinal);

    private static bool SameFiles(ImmutableSortedDictionary<string, byte[]> a, ImmutableSortedDictionary<string, byte[]> b) =>
        a.Count == b.Count && a.All(f => b.TryGetValue(f.Key, out var other) && f.Value.AsSpan().SequenceEqual(other));
}
