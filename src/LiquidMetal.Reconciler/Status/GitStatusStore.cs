using System.Collections.Immutable;
using System.Diagnostics;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Status.Pages;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The status branch in the reconciler's mirror: documents read straight from the objects, commits written in-process
/// and pushed with the expected old value. Commits never change, so the last one read or written is kept: a pass that
/// finds the tip it wrote reads nothing.
/// </summary>
public sealed class GitStatusStore(GitMirror mirror, string branch, GitSignature committer, TimeProvider time, int pushAttempts = 5) : IStatusStore
{
    public static readonly ImmutableArray<string> OwnedPrefixes = ["status/", "rendered/"];

    /// <summary>Files of the reconciler's outside its folders: the README a Git web UI shows on the branch's page (unless a person wrote their own).</summary>
    public static readonly ImmutableArray<string> OwnedFiles = [StatusReadme.Path];

    private StatusAt? _last;
    private Task<bool>? _compaction;

    public async Task<StatusAt> ReadAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        if (tip is null)
        {
            return StatusAt.None;
        }

        if (_last is { } last && last.Tip == tip)
        {
            return last;
        }

        var snapshot = await StatusBranchReader.ReadAsync(mirror, tip, cancellationToken, warnings);
        var rendered = await RenderedHostsReader.ReadAsync(mirror, tip, cancellationToken, warnings);
        return _last = new StatusAt(tip, snapshot, rendered);
    }

    public async Task<ImmutableSortedDictionary<string, byte[]>> ReadOwnedAsync(string tip, CancellationToken cancellationToken)
    {
        var files = ImmutableSortedDictionary.CreateBuilder<string, byte[]>(StringComparer.Ordinal);
        foreach (var prefix in OwnedPrefixes)
        {
            foreach (var (entry, content) in await mirror.ReadFilesAsync(tip, prefix.TrimEnd('/'), cancellationToken))
            {
                files[entry.Path] = content;
            }
        }

        return files.ToImmutable();
    }

    public async Task<StatusWrite> WriteAsync(Func<string?, Task<StatusCommit>> compose, string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var writer = new CommitWriter(mirror);
        var pushing = new Stopwatch();
        var writing = new Stopwatch();
        for (var attempt = 1; ; attempt++)
        {
            var status = await compose(tip);
            writing.Start();
            var (files, ownedFiles) = await ClaimAsync(status.Files, tip, warnings, cancellationToken);
            var commit = await writer.CreateCommitAsync(new CommitRequest
            {
                Parent = tip,
                OwnedPrefixes = OwnedPrefixes,
                OwnedFiles = ownedFiles,
                Files = files,
                Message = status.Message,
                Author = committer with { When = time.GetUtcNow() },
            }, cancellationToken);
            writing.Stop();
            if (commit is null)
            {
                return new StatusWrite(null, status, tip, pushing.Elapsed, writing.Elapsed); // nothing observed changed: no commit
            }

            pushing.Start();
            var outcome = await writer.PushAsync(commit, branch, expected: tip, cancellationToken);
            pushing.Stop();
            if (outcome.Accepted)
            {
                if (status.Snapshot is { } snapshot && status.Rendered is { } rendered)
                {
                    // What was just written is what a read of the new tip would give: the next pass starts from it.
                    _last = new StatusAt(commit, snapshot with { Commit = commit }, rendered);
                }

                Compact(warnings);
                return new StatusWrite(commit, status, commit, pushing.Elapsed, writing.Elapsed);
            }

            if (attempt >= pushAttempts)
            {
                throw new GitException($"the status push to {branch} was rejected {attempt} times: {outcome.RejectionReason}");
            }

            // Someone else moved the branch (a person, another reconciler): build on their commit and try again.
            ReconcilerTelemetry.PushRetries.Add(1);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), time, cancellationToken);
            tip = (await mirror.SyncAsync([branch], cancellationToken)).RemoteHeads.GetValueOrDefault(branch);
        }
    }

    public async Task<IReadOnlyDictionary<string, ControlPlaneRelease>> ReadReleasesAsync(string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var releases = new Dictionary<string, ControlPlaneRelease>(StringComparer.Ordinal);
        if (tip is null)
        {
            return releases;
        }

        foreach (var (entry, content) in await mirror.ReadFilesAsync(tip, ControlPlaneRelease.Folder, cancellationToken))
        {
            try
            {
                var release = ControlPlaneRelease.Read(entry.Path, content);
                releases[release.Cluster] = release;
            }
            catch (InvalidDataException e)
            {
                warnings.Add($"{e.Message}; on {branch} it is left out until the cluster's next control-plane release replaces it");
            }
        }

        return releases;
    }

    public async Task<ReleaseRecord> RecordReleasesAsync(string? tip, IReadOnlyList<ControlPlaneRelease> releases, CancellationToken cancellationToken)
    {
        var files = ImmutableSortedDictionary.CreateBuilder<string, byte[]>(StringComparer.Ordinal);
        if (tip is not null)
        {
            foreach (var (entry, content) in await mirror.ReadFilesAsync(tip, ControlPlaneRelease.Folder, cancellationToken))
            {
                files[entry.Path] = content; // other clusters' releases as they are
            }
        }

        foreach (var release in releases)
        {
            files[release.Path] = release.ToBytes();
        }

        var writer = new CommitWriter(mirror);
        var commit = await writer.CreateCommitAsync(new CommitRequest
        {
            Parent = tip,
            OwnedPrefixes = [ControlPlaneRelease.Folder + "/"], // the rest of rollout/ is left to people
            Files = files.ToImmutable(),
            Message = "rollout: " + string.Join("; ", releases.Select(r => $"{r.Cluster}: replacing {r.Vm}"))
                + "\n\nRecorded before its agent is told: no other control plane of the cluster is replaced until it has settled.\n",
            Author = committer with { When = time.GetUtcNow() },
        }, cancellationToken);
        if (commit is null)
        {
            return new ReleaseRecord(true, tip); // already recorded, to the byte
        }

        var outcome = await writer.PushAsync(commit, branch, expected: tip, cancellationToken);
        if (!outcome.Accepted)
        {
            return new ReleaseRecord(false, (await mirror.SyncAsync([branch], cancellationToken)).RemoteHeads.GetValueOrDefault(branch));
        }

        if (_last is { } last && last.Tip == tip)
        {
            // status/ and rendered/ are as they were: the next read of the new tip need not read them again.
            _last = last with { Tip = commit, Snapshot = last.Snapshot is { } snapshot ? snapshot with { Commit = commit } : null };
        }

        return new ReleaseRecord(true, commit);
    }

    /// <summary>
    /// The files to commit and the root files to own: all of them, unless the branch has a README.md a person wrote (it
    /// does not begin with <see cref="StatusReadme"/>'s marker). That one is theirs: it stays, and ours is not written.
    /// </summary>
    private async Task<(ImmutableSortedDictionary<string, byte[]> Files, ImmutableArray<string> Owned)> ClaimAsync(
        ImmutableSortedDictionary<string, byte[]> files, string? tip, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        if (tip is null || !files.ContainsKey(StatusReadme.Path) || await mirror.ReadFileAsync(tip, StatusReadme.Path, cancellationToken) is not { } theirs || StatusReadme.IsOurs(theirs))
        {
            return (files, OwnedFiles);
        }

        warnings.Add($"{StatusReadme.Path} on {branch} was written by a person, so the reconciler leaves it and does not write the status README there: move that README's text to another file on the branch to get the status page back");
        return (files.Remove(StatusReadme.Path), []);
    }

    /// <summary>
    /// Keeps the mirror's pack count bounded (see <see cref="GitMirror.CompactInBackground"/>), without holding up the
    /// pass: the fold runs on while the reconciler waits for its next pass. Best effort: the status is already pushed,
    /// so a failed fold (an old git, a full disk) is a warning of the next status commit, not a failed pass.
    /// </summary>
    private void Compact(ICollection<string> warnings)
    {
        if (_compaction is { IsFaulted: true } failed)
        {
            warnings.Add("the mirror could not be repacked (its packs keep growing in number until it can): " + failed.Exception.InnerException?.Message);
        }

        _compaction = mirror.CompactInBackground();
    }
}
