using System.Collections.Immutable;
using System.Diagnostics;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Git;
using LiquidMetal.Grpc;
using LiquidMetal.Reconciler.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Pipeline;

/// <summary>Where the fleet lives and how to reach its agents.</summary>
public sealed record ReconcilerOptions
{
    public required string RepositoryUrl { get; init; }

    /// <summary>The bare mirror's folder (one per repository URL; see <see cref="MirrorCache"/>).</summary>
    public required string MirrorPath { get; init; }

    public string Branch { get; init; } = "main";

    public string StatusBranch { get; init; } = "liquidmetal/status";

    public GitCredentials? Credentials { get; init; }

    /// <summary>TLS trust, client certificate and bearer token for the agents.</summary>
    public GrpcClientOptions? AgentClient { get; init; }

    public int MaxParallelHosts { get; init; } = 32;

    public TimeSpan AgentCallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int PushAttempts { get; init; } = 5;

    /// <summary>When set, a head revision must be signed by one of these keys, or it is rejected unapplied (trust lives here, not in the repo it guards).</summary>
    public SignatureTrust? RequireSignedBy { get; init; }

    public GitSignature Committer { get; init; } = new("LiquidMetal reconciler", "reconciler@liquidmetal.invalid", DateTimeOffset.UnixEpoch);

    /// <summary>How long a replaced control plane must have run before the next one in its cluster is replaced.</summary>
    public TimeSpan ControlPlaneSettle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the pipeline logs what it does to hosts and VMs (structured: revision, host, cluster, VM).</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>What one reconcile did, and how long its stages took.</summary>
public sealed record ReconcileResult(
    string? Revision,
    bool Valid,
    bool Converged,
    string? StatusCommit,
    ImmutableArray<Diagnostic> Errors,
    TimeSpan Duration)
{
    /// <summary>True when nothing moved since a converged pass, so nothing was read, applied or written.</summary>
    public bool Idle { get; init; }

    public TimeSpan Sync { get; init; }

    /// <summary>Reading the status branch's documents and rendered hosts (nothing when the tip is the one this reconciler wrote or read last).</summary>
    public TimeSpan StatusRead { get; init; }

    public TimeSpan Compile { get; init; }

    public TimeSpan Apply { get; init; }

    public TimeSpan Status { get; init; }

    /// <summary>The part of <see cref="Status"/> spent building the documents.</summary>
    public TimeSpan StatusCompose { get; init; }

    /// <summary>The part of <see cref="Status"/> spent pushing (the rest is the commit's objects, written in-process).</summary>
    public TimeSpan StatusPush { get; init; }

    /// <summary>Problems that did not stop the pass, like a status document someone broke by hand (it is rewritten).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    public static ReconcileResult Failed(string message, TimeSpan duration) =>
        new(null, false, false, null, [new Diagnostic(SourceLocation.OfFile("(repository)"), message)], duration);
}

/// <summary>
/// One reconcile, DESIGN.md steps 1-7: fetch (only when a remote head moved), load and validate the head revision,
/// place starting from the placement on the status branch, render, bring every agent to its host's spec, and write
/// one status commit when what was observed changed. An invalid revision is rejected whole: nothing is applied,
/// and its errors go into status/fleet.yaml. Keeps no state of its own between runs: Git and the agents are the truth.
/// </summary>
public sealed partial class FleetReconciler : IAsyncDisposable
{
    /// <summary>The file in the mirror that records a fleet revision once asked for signed commits (see SignaturesRequiredAsync).</summary>
    public const string SignaturesRequiredMarker = "liquidmetal-signatures-required";

    private readonly ReconcilerOptions _options;
    private readonly GitMirror _mirror;
    private readonly AgentFleet _agents;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // Each VM's host and state as the last pass saw it, so the log tells what changed, not what is.
    private Dictionary<string, (string Host, Wire.VmState State)> _vmStates = new(StringComparer.Ordinal);
    private HashSet<string> _unreachable = new(StringComparer.Ordinal);

    // Since when each VM has been seen running its current spec (see RunningFor).
    private Dictionary<string, (string Hash, DateTimeOffset Since)> _runningSeen = new(StringComparer.Ordinal);

    // The heads a converged pass last saw, and the status commit it wrote or found: a poll that sees the same
    // again has nothing to do. In memory only: a restarted reconciler starts with a full pass.
    private ImmutableDictionary<string, string>? _convergedHeads;

    // Immutable commits' contents, kept from the last pass (see StatusAtAsync and CompileAtAsync).
    private (string Tip, StatusSnapshot Snapshot, List<RenderedHost> Rendered)? _statusAt;
    private (string Revision, List<FleetFile> Files, List<Diagnostic> ReadErrors, Dictionary<string, PlacedNode> Placement, CompiledFleet Compiled, List<RenderedHost> Hosts)? _compiledAt;

    // Each reachable agent's endpoint and what the last pass saw it run (see WaitForAgentChangeAsync).
    private ImmutableDictionary<string, string> _lastSeen = ImmutableDictionary<string, string>.Empty;

    // The hosts' endpoints a verified revision declares (see VerifiedEndpointsAsync).
    private (string Revision, HashSet<(string Host, string Endpoint)> Endpoints)? _vouchedAt;

    // The last rejection logged (revision and errors), so a rejected head is logged once, not every poll.
    private string? _lastRejection;

    // verify.mode of fleet.yaml by revision (commits never change).
    private readonly Dictionary<string, (string? Mode, bool Missing)> _verifyModes = new(StringComparer.Ordinal);

    // What this pass found wrong but worked around; see ReconcileResult.Warnings.
    private readonly List<string> _warnings = [];

    private FleetReconciler(ReconcilerOptions options, GitMirror mirror, TimeProvider time)
    {
        _options = options;
        _mirror = mirror;
        _time = time;
        _logger = options.Logger ?? NullLogger.Instance;
        _agents = new AgentFleet(options.AgentClient, options.MaxParallelHosts, options.AgentCallTimeout);
    }

    public static async Task<FleetReconciler> OpenAsync(ReconcilerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var mirror = await GitMirror.OpenAsync(options.MirrorPath, options.RepositoryUrl, options.Credentials, cancellationToken);
        return new FleetReconciler(options, mirror, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Completes when an agent the last pass reached reports its VMs in another state than that pass saw (a VM came
    /// up or failed): the moment a converging fleet has something new to record. Runs until cancelled otherwise.
    /// </summary>
    public Task WaitForAgentChangeAsync(CancellationToken cancellationToken) => _agents.WaitForChangeAsync(_lastSeen, cancellationToken);

    /// <summary>One pass. A poll (<paramref name="resync"/> false) that finds the heads a converged pass left does nothing;
    /// a resync always asks every agent, which is how drift (a VM that died, one removed by hand) is corrected.</summary>
    public async Task<ReconcileResult> ReconcileOnceAsync(CancellationToken cancellationToken = default, bool resync = true)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity("reconcile");
        activity?.SetTag("liquidmetal.resync", resync);
        _warnings.Clear();
        var result = await ReconcileCoreAsync(resync, cancellationToken);
        if (_warnings.Count > 0)
        {
            result = result with { Warnings = [.. _warnings] };
        }

        activity?.SetTag("liquidmetal.revision", result.Revision);
        activity?.SetTag("liquidmetal.converged", result.Converged);
        activity?.SetTag("liquidmetal.idle", result.Idle);
        if (!result.Valid)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Errors.FirstOrDefault()?.Message);
            if (result.Revision is not null)
            {
                ReconcilerTelemetry.Rejected.Add(1);
            }
        }

        if (!result.Idle)
        {
            ReconcilerTelemetry.ReconcileDuration.Record(result.Duration.TotalSeconds, new KeyValuePair<string, object?>("converged", result.Converged));
        }

        return result;
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(bool resync, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Activity? span = ReconcilerTelemetry.Source.StartActivity("fetch");
        var sync = await _mirror.SyncAsync([_options.Branch, _options.StatusBranch], cancellationToken);
        span?.SetTag("liquidmetal.fetched", sync.Fetched);
        span?.Dispose();
        var syncTime = clock.Elapsed;
        if (!resync && _convergedHeads is { } seen && SameHeads(seen, sync.RemoteHeads))
        {
            return new ReconcileResult(sync.RemoteHeads.GetValueOrDefault(_options.Branch), true, true, null, [], clock.Elapsed) { Idle = true, Sync = syncTime };
        }

        _convergedHeads = null;
        if (!sync.RemoteHeads.TryGetValue(_options.Branch, out var revision))
        {
            // A deleted branch is not an instruction to delete the fleet: keep everything as it runs.
            return ReconcileResult.Failed($"the remote has no branch {_options.Branch}: nothing is applied and what runs stays", clock.Elapsed);
        }

        var statusTip = sync.RemoteHeads.GetValueOrDefault(_options.StatusBranch);
        var readClock = Stopwatch.StartNew();
        var (previous, previousRendered) = await StatusAtAsync(statusTip, cancellationToken);
        var readTime = readClock.Elapsed;
        var now = _time.GetUtcNow();

        var required = await SignaturesRequiredAsync(revision, previous?.Fleet?.AppliedRevision, cancellationToken);
        if (required is not null && _options.RequireSignedBy is null)
        {
            // The fleet asks for signed commits, but trust cannot come from the repository it guards: without keys
            // of its own, the reconciler applies nothing.
            var noKeys = new Diagnostic(SourceLocation.OfFile(FleetLoader.FleetFileName),
                $"not applied: {required}, but this reconciler trusts no keys: start it with --require-ssh-signers FILE or --require-gpg-key FINGERPRINT");
            if (FirstTime(revision, [noKeys]))
            {
                Log.Untrusted(_logger, revision, "unverifiable", noKeys.Message);
            }

            var (commit, _, _) = await WriteStatusAsync(tip => RejectedOnAsync(tip, revision, [noKeys], now, cancellationToken), statusTip, cancellationToken);
            return new ReconcileResult(revision, false, false, commit, [noKeys], clock.Elapsed) { Sync = syncTime, StatusRead = readTime };
        }

        if (_options.RequireSignedBy is { } trust)
        {
            var check = await new SignatureVerifier(_mirror, trust).VerifyAsync(revision, cancellationToken);
            if (!check.Trusted)
            {
                var unsigned = new Diagnostic(SourceLocation.OfFile("(commit " + revision[..Math.Min(12, revision.Length)] + ")"),
                    $"not applied: {check.Verdict.ToString().ToLowerInvariant()} commit: {check.Detail}");
                if (FirstTime(revision, [unsigned]))
                {
                    Log.Untrusted(_logger, revision, check.Verdict.ToString(), check.Detail);
                }

                var (commit, _, _) = await WriteStatusAsync(tip => RejectedOnAsync(tip, revision, [unsigned], now, cancellationToken), statusTip, cancellationToken);
                return new ReconcileResult(revision, false, false, commit, [unsigned], clock.Elapsed) { Sync = syncTime };
            }
        }

        var stage = Stopwatch.StartNew();
        span = ReconcilerTelemetry.Source.StartActivity("load, validate, place, render");
        var (compiled, readErrors, compiledHosts) = await CompileAtAsync(revision, previousRendered, cancellationToken);
        var compileTime = stage.Elapsed;
        span?.SetTag("liquidmetal.valid", compiled.Succeeded && readErrors.Count == 0);
        span?.Dispose();
        var errors = readErrors.Concat(compiled.Diagnostics).ToImmutableArray();
        if (compiled.Fleet?.Settings.StatusBranch is { } declared && declared != _options.StatusBranch)
        {
            _warnings.Add($"fleet.yaml names status branch {declared}, but this reconciler writes {_options.StatusBranch}: start it with --status-branch {declared}");
        }

        if (!errors.IsEmpty || !compiled.Succeeded)
        {
            if (FirstTime(revision, errors))
            {
                Log.Rejected(_logger, revision, errors.Length);
                foreach (var error in errors)
                {
                    Log.RevisionError(_logger, revision, error.ToString());
                }
            }

            stage.Restart();
            var (commit, _, _) = await WriteStatusAsync(tip => RejectedOnAsync(tip, revision, errors, now, cancellationToken), statusTip, cancellationToken);
            return new ReconcileResult(revision, false, false, commit, errors, clock.Elapsed) { Sync = syncTime, StatusRead = readTime, Compile = compileTime, Status = stage.Elapsed };
        }

        // Hosts that left the fleet are told to run nothing, at the endpoint they were last told at, until their agent
        // confirms; then they are forgotten. Not when another host now has that endpoint (a renamed host). When
        // signatures are required, the endpoint read from the (unsigned) status branch must also be the one a verified
        // revision gave that host: the applied one, which still holds it until the host confirms.
        _lastRejection = null; // a valid head: a later rejection is news again
        var hosts = compiledHosts.ToList();
        var endpoints = hosts.Select(h => h.AgentEndpoint.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var gone = previousRendered.Where(p => hosts.All(h => h.Host != p.Host) && !endpoints.Contains(p.AgentEndpoint.TrimEnd('/'))).ToList();
        if (gone.Count > 0 && _options.RequireSignedBy is { } signers)
        {
            var vouched = await VerifiedEndpointsAsync(previous?.Fleet?.AppliedRevision, signers, cancellationToken);
            gone = [.. gone.Where(p => vouched.Contains((p.Host, p.AgentEndpoint.TrimEnd('/'))))];
        }

        var removed = gone
            .Select(p => p with { Microvms = [], Metal = null, Allocated = Resources.Zero, SpecHash = ContentHash.Of(("removed", p.Host)) })
            .ToList();
        stage.Restart();
        span = ReconcilerTelemetry.Source.StartActivity("apply");
        var before = await _agents.ObserveAsync([.. hosts, .. removed], cancellationToken);
        var shape = Rollout.Shape(hosts, previousRendered, before, compiled.Fleet!, _options.ControlPlaneSettle, RunningFor(before));
        var effective = shape.Hosts;
        var applied = await _agents.ApplyAsync([.. effective.Where(h => !shape.Untouched.Contains(h.Host)), .. removed], revision, before, cancellationToken);
        var observed = before.Keys.Union(applied.Keys).ToDictionary(host => host, host => applied.GetValueOrDefault(host) ?? before[host], StringComparer.Ordinal);
        LogChanges(revision, observed);
        _agents.Retain(hosts.Concat(removed).Select(h => h.AgentEndpoint));
        var endpointOf = hosts.Concat(removed).ToDictionary(h => h.Host, h => h.AgentEndpoint, StringComparer.Ordinal);
        _lastSeen = observed.Values.Where(o => o.Status is not null && endpointOf.ContainsKey(o.Host))
            .DistinctBy(o => endpointOf[o.Host])
            .ToImmutableDictionary(o => endpointOf[o.Host], o => AgentFleet.Fingerprint(o.Status!), StringComparer.Ordinal);
        var applyTime = stage.Elapsed;
        var failures = observed.Values.Count(o => o.Error is not null);
        span?.SetTag("liquidmetal.hosts", observed.Count);
        span?.SetTag("liquidmetal.applied", observed.Values.Count(o => o.Applied));
        span?.SetTag("liquidmetal.unreachable", failures);
        span?.Dispose();
        ReconcilerTelemetry.ApplyErrors.Add(failures);
        ReconcilerTelemetry.ObservedVms(observed);

        stage.Restart();
        using var statusSpan = ReconcilerTelemetry.Source.StartActivity("status");
        // rendered/ records what each host was told: an untouched host keeps its earlier record, and a removed host
        // stays recorded until its agent confirms it runs nothing.
        var told = effective.Select(h => shape.Untouched.Contains(h.Host) ? previousRendered.FirstOrDefault(p => p.Host == h.Host) ?? h : h)
            .Concat(removed.Where(r => observed.GetValueOrDefault(r.Host)?.Status?.SpecHash != r.SpecHash))
            .ToList();
        var status = StatusComposer.Compose(revision, compiled.Fleet!, told, observed, previous, now, shape);
        var composeTime = stage.Elapsed;

        // After a lost push race the status is composed again on the winner's commit (its conditions and times count).
        var pushClock = new Stopwatch();
        (var written, status, var tipNow) = await WriteStatusAsync(
            async tip => tip == statusTip ? status : StatusComposer.Compose(revision, compiled.Fleet!, told, observed, (await StatusAtAsync(tip, cancellationToken)).Snapshot, now, shape),
            statusTip,
            cancellationToken,
            pushClock);
        if (written is not null && status.Snapshot is { } snapshot)
        {
            // What we just wrote is what a read of the new tip would give: the next pass starts from it without reading 800 files.
            _statusAt = (written, snapshot with { Commit = written }, [.. told.OrderBy(h => h.Host + ".yaml", StringComparer.Ordinal)]);
        }

        if (status.Converged)
        {
            // What the remote holds now, our status commit included: the next poll compares against it.
            _convergedHeads = sync.RemoteHeads.SetItem(_options.StatusBranch, tipNow ?? string.Empty);
        }

        return new ReconcileResult(revision, true, status.Converged, written, [], clock.Elapsed)
        {
            Sync = syncTime,
            StatusRead = readTime,
            Compile = compileTime,
            Apply = applyTime,
            Status = stage.Elapsed,
            StatusCompose = composeTime,
            StatusPush = pushClock.Elapsed,
        };
    }

    /// <summary>Commits the status on top of the status branch and pushes it; a rejected push is redone on the new tip, never forced.</summary>
    /// <param name="compose">The status to write on top of a given tip (called again with the new tip after a rejected push).</param>
    /// <returns>The commit pushed (null when nothing changed), the status it holds, and the branch's tip now.</returns>
    private async Task<(string? Commit, StatusCommit Status, string? Tip)> WriteStatusAsync(Func<string?, Task<StatusCommit>> compose, string? tip, CancellationToken cancellationToken, Stopwatch? pushClock = null)
    {
        var writer = new CommitWriter(_mirror);
        for (var attempt = 1; ; attempt++)
        {
            var status = await compose(tip);
            var commit = await writer.CreateCommitAsync(new CommitRequest
            {
                Parent = tip,
                OwnedPrefixes = StatusComposer.OwnedPrefixes,
                Files = status.Files,
                Message = status.Message,
                Author = _options.Committer with { When = _time.GetUtcNow() },
            }, cancellationToken);
            if (commit is null)
            {
                return (null, status, tip); // nothing observed changed: no commit
            }

            pushClock?.Start();
            var outcome = await writer.PushAsync(commit, _options.StatusBranch, expected: tip, cancellationToken);
            pushClock?.Stop();
            if (outcome.Accepted)
            {
                await CompactMirrorAsync(cancellationToken);
                return (commit, status, commit);
            }

            if (attempt >= _options.PushAttempts)
            {
                throw new GitException($"the status push to {_options.StatusBranch} was rejected {attempt} times: {outcome.RejectionReason}");
            }

            // Someone else moved the branch (a person, another reconciler): build on their commit and try again.
            ReconcilerTelemetry.PushRetries.Add(1);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), _time, cancellationToken);
            var sync = await _mirror.SyncAsync([_options.StatusBranch], cancellationToken);
            tip = sync.RemoteHeads.GetValueOrDefault(_options.StatusBranch);
        }
    }

    /// <summary>
    /// Each host's (name, agent endpoint) as the revision declares it, if its commit carries a trusted signature; else
    /// none. Kept for the last revision asked (commits never change).
    /// </summary>
    private async Task<HashSet<(string Host, string Endpoint)>> VerifiedEndpointsAsync(string? revision, SignatureTrust signers, CancellationToken cancellationToken)
    {
        if (revision is null)
        {
            return [];
        }

        if (_vouchedAt is { } cached && cached.Revision == revision)
        {
            return cached.Endpoints;
        }

        var endpoints = new HashSet<(string Host, string Endpoint)>();
        var check = await new SignatureVerifier(_mirror, signers).VerifyAsync(revision, cancellationToken);
        if (check.Trusted)
        {
            var (files, _) = await FleetRevisionReader.ReadAsync(_mirror, revision, cancellationToken);
            foreach (var host in FleetLoader.Load(files).Fleet?.Hosts ?? [])
            {
                endpoints.Add((host.Name, host.AgentEndpoint.TrimEnd('/')));
            }
        }
        else
        {
            _warnings.Add($"hosts that left the fleet are not told to stop: the applied revision {revision[..Math.Min(12, revision.Length)]} named on the status branch is not trusted ({check.Detail})");
        }

        _vouchedAt = (revision, endpoints);
        return endpoints;
    }

    /// <summary>
    /// Why signed commits are required for <paramref name="head"/>, or null when they are not. The keys never come
    /// from the repository: fleet.yaml can ask for verification but not say whom to trust, and without keys of its own
    /// the reconciler then applies nothing. What asks for it, in order:
    /// <list type="bullet">
    /// <item>the reconciler's configuration (<c>--require-*</c>);</item>
    /// <item>a mark this reconciler left in its mirror when a fleet revision asked for it before (so wiping or
    /// editing the unsigned status branch does not switch verification off);</item>
    /// <item><c>verify.mode</c> at the applied revision the status branch names (a head cannot switch verification off
    /// for itself); a name that is not a commit id, or a fleet.yaml there that cannot be read, counts as asking;</item>
    /// <item><c>verify.mode</c> at the head (turning it on takes effect with that commit).</item>
    /// </list>
    /// Without <c>--require-*</c> this guards against running a verified fleet with a misconfigured reconciler, not
    /// against someone who can push to both branches and finds a reconciler with a fresh mirror.
    /// </summary>
    private async Task<string?> SignaturesRequiredAsync(string head, string? applied, CancellationToken cancellationToken)
    {
        string? why = null;
        var declared = false;
        if (applied is not null && !IsObjectId(applied))
        {
            why = "the status branch names an applied revision that is not a commit id, so whether it required signed commits is unknown";
        }
        else if (applied is not null)
        {
            var (mode, missing) = await DeclaredVerifyModeAsync(applied, cancellationToken);
            if (missing)
            {
                _warnings.Add($"the applied revision {applied[..12]} named on the status branch is not in the mirror (history rewritten?): its verify.mode is not known, the head's is used");
            }
            else if (mode is null)
            {
                why = $"fleet.yaml at the applied revision {applied[..12]} cannot be read, so whether it required signed commits is unknown";
            }
            else if (mode != "none")
            {
                (why, declared) = ($"fleet.yaml at the applied revision {applied[..12]} sets verify.mode: {mode}", true);
            }
        }

        if (why is null && (await DeclaredVerifyModeAsync(head, cancellationToken)).Mode is { } headMode and not "none")
        {
            (why, declared) = ($"fleet.yaml at the head revision {head[..Math.Min(12, head.Length)]} sets verify.mode: {headMode}", true);
        }

        var marker = Path.Combine(_mirror.Path, SignaturesRequiredMarker);
        if (declared && !File.Exists(marker))
        {
            await File.WriteAllTextAsync(marker, why + "\n", cancellationToken);
        }

        return _options.RequireSignedBy is not null ? "the reconciler is configured to require signed commits"
            : why ?? (File.Exists(marker)
                ? $"this reconciler's mirror records that the fleet asked for signed commits before ({(await File.ReadAllTextAsync(marker, cancellationToken)).Trim()}; delete {marker} once it no longer does)"
                : null);
    }

    /// <summary>
    /// verify.mode as fleet.yaml at a revision declares it ("none" when it does not). Mode is null when it cannot be
    /// told: Missing when the commit is not in the mirror, else fleet.yaml is absent, too big or not readable YAML.
    /// </summary>
    private async Task<(string? Mode, bool Missing)> DeclaredVerifyModeAsync(string revision, CancellationToken cancellationToken)
    {
        if (_verifyModes.TryGetValue(revision, out var known))
        {
            return known;
        }

        (string? Mode, bool Missing) found = (null, false);
        if (await _mirror.ReadObjectAsync(revision, cancellationToken) is not { Type: "commit" })
        {
            found = (null, true);
        }
        else if (await _mirror.ReadObjectAsync(revision + ":" + FleetLoader.FleetFileName, cancellationToken) is { Type: "blob" } blob
            && blob.Content.Length <= FleetLoader.MaxFileBytes)
        {
            // Null when not readable YAML (or nested too deep): unknown.
            found = (FleetLoader.DeclaredVerifyMode(System.Text.Encoding.UTF8.GetString(blob.Content)), false);
        }

        if (_verifyModes.Count > 64)
        {
            _verifyModes.Clear();
        }

        _verifyModes[revision] = found;
        return found;
    }

    private static bool IsObjectId(string text) => text.Length is 40 or 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// Keeps the mirror's pack count bounded (see <see cref="GitMirror.CompactAsync"/>). Best effort: the status is
    /// already pushed, so a failed repack (an old git, a full disk) is a warning, not a failed pass.
    /// </summary>
    private async Task CompactMirrorAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _mirror.CompactAsync(cancellationToken: cancellationToken);
        }
        catch (GitException e)
        {
            _warnings.Add("the mirror could not be repacked (its packs keep growing in number until it can): " + e.Message);
        }
    }

    /// <summary>
    /// The status documents and rendered hosts at a status-branch commit. Commits never change, so the last one read
    /// is kept: a resync that finds the same tip reads nothing again.
    /// </summary>
    private async Task<(StatusSnapshot? Snapshot, List<RenderedHost> Rendered)> StatusAtAsync(string? tip, CancellationToken cancellationToken)
    {
        if (tip is null)
        {
            return (null, []);
        }

        if (_statusAt is { } cached && cached.Tip == tip)
        {
            return (cached.Snapshot, cached.Rendered);
        }

        var snapshot = await StatusBranchReader.ReadAsync(_mirror, tip, cancellationToken, _warnings);
        var rendered = await RenderedHostsReader.ReadAsync(_mirror, tip, cancellationToken, _warnings);
        _statusAt = (tip, snapshot, rendered);
        return (snapshot, rendered);
    }

    /// <summary>
    /// The fleet at a revision, compiled starting from the placement in <paramref name="previousRendered"/>. A commit's
    /// files never change and compiling is deterministic, so the last result is reused while the revision and the
    /// placement stay the same (a status commit that only records new VM states does not move the placement).
    /// </summary>
    private async Task<(CompiledFleet Compiled, List<Diagnostic> ReadErrors, List<RenderedHost> Hosts)> CompileAtAsync(string revision, List<RenderedHost> previousRendered, CancellationToken cancellationToken)
    {
        var placement = RenderedDirectory.PlacementOf(previousRendered);
        if (_compiledAt is { } cached && cached.Revision == revision && SamePlacement(cached.Placement, placement))
        {
            return (cached.Compiled, cached.ReadErrors, cached.Hosts);
        }

        var (files, readErrors) = _compiledAt is { } same && same.Revision == revision
            ? (same.Files, same.ReadErrors)
            : await FleetRevisionReader.ReadAsync(_mirror, revision, cancellationToken);
        var compiled = FleetCompiler.Compile(files, placement);
        var hosts = SameAsBefore(compiled.Hosts, _compiledAt?.Hosts);
        _compiledAt = (revision, files, readErrors, placement, compiled, hosts);
        return (compiled, readErrors, hosts);
    }

    /// <summary>
    /// A freshly compiled host equal to one of the last compile is replaced by that (immutable) object, so what was
    /// derived from it is reused: its rendered document above all, 25 KB of YAML per host. Both were rendered here,
    /// so each VM's hash is its content's, and equal spec hashes mean equal VMs and metal.
    /// </summary>
    private static List<RenderedHost> SameAsBefore(IReadOnlyList<RenderedHost> fresh, List<RenderedHost>? before)
    {
        var old = (before ?? []).ToDictionary(h => h.Host, StringComparer.Ordinal);
        return [.. fresh.Select(h => old.TryGetValue(h.Host, out var o)
            && o.SpecHash == h.SpecHash && o.Fleet == h.Fleet && o.AgentEndpoint == h.AgentEndpoint && o.FailureDomain == h.FailureDomain
            && o.Capacity == h.Capacity && o.Allocatable == h.Allocatable && o.Allocated == h.Allocated ? o : h)];
    }

    private static bool SamePlacement(Dictionary<string, PlacedNode> a, Dictionary<string, PlacedNode> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && other == entry.Value);

    /// <summary>A rejected revision's status on top of <paramref name="tip"/>: everything else there stays as it is.</summary>
    private async Task<StatusCommit> RejectedOnAsync(string? tip, string revision, IReadOnlyList<Diagnostic> errors, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var snapshot = tip is null ? null : await StatusBranchReader.ReadAsync(_mirror, tip, cancellationToken, _warnings);
        var owned = tip is null ? ImmutableSortedDictionary<string, byte[]>.Empty.WithComparers(StringComparer.Ordinal) : await ReadOwnedAsync(tip, cancellationToken);
        return StatusComposer.Rejected(revision, errors, snapshot, owned, now);
    }

    private async Task<ImmutableSortedDictionary<string, byte[]>> ReadOwnedAsync(string commit, CancellationToken cancellationToken)
    {
        var files = ImmutableSortedDictionary.CreateBuilder<string, byte[]>(StringComparer.Ordinal);
        foreach (var prefix in StatusComposer.OwnedPrefixes)
        {
            foreach (var (entry, content) in await _mirror.ReadFilesAsync(commit, prefix.TrimEnd('/'), cancellationToken))
            {
                files[entry.Path] = content;
            }
        }

        return files.ToImmutable();
    }

    private bool SameHeads(ImmutableDictionary<string, string> seen, ImmutableDictionary<string, string> now) =>
        seen.GetValueOrDefault(_options.Branch) == now.GetValueOrDefault(_options.Branch)
        && seen.GetValueOrDefault(_options.StatusBranch) == now.GetValueOrDefault(_options.StatusBranch);

    /// <summary>
    /// How long each VM has been running its current spec as far as this reconciler has seen, without a break: a VM
    /// not running (or running another spec) in a pass starts over. Measured on the reconciler's clock, so an agent's
    /// clock that is off cannot settle a control plane early or hold a rollout for hours.
    /// </summary>
    private Dictionary<string, TimeSpan> RunningFor(IReadOnlyDictionary<string, HostObservation> observed)
    {
        var now = _time.GetUtcNow();
        var seen = new Dictionary<string, (string Hash, DateTimeOffset Since)>(StringComparer.Ordinal);
        foreach (var vm in observed.Values.SelectMany(o => o.Status?.Vms ?? []).Where(vm => vm.State == Wire.VmState.Running))
        {
            seen[vm.Id] = _runningSeen.TryGetValue(vm.Id, out var before) && before.Hash == vm.Hash ? before : (vm.Hash, now);
        }

        _runningSeen = seen;
        return seen.ToDictionary(v => v.Key, v => now - v.Value.Since, StringComparer.Ordinal);
    }

    /// <summary>True the first time a revision is rejected for these reasons: polls of a rejected head log nothing new.</summary>
    private bool FirstTime(string revision, IEnumerable<Diagnostic> errors)
    {
        var rejection = revision + "\n" + string.Join('\n', errors);
        var first = rejection != _lastRejection;
        _lastRejection = rejection;
        return first;
    }

    /// <summary>Logs what changed since the last pass: Applies, agents lost and back, VMs created, running, failed or gone.</summary>
    private void LogChanges(string revision, IReadOnlyDictionary<string, HostObservation> observed)
    {
        var states = new Dictionary<string, (string Host, Wire.VmState State)>(StringComparer.Ordinal);
        var unreachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (host, observation) in observed)
        {
            if (observation.Applied)
            {
                Log.Applied(_logger, revision, host, observation.Status?.SpecHash ?? string.Empty);
            }

            if (observation.Error is not null)
            {
                unreachable.Add(host);
                if (!_unreachable.Contains(host))
                {
                    Log.HostUnreachable(_logger, revision, host, observation.Error);
                }

                // Not heard from: its VMs are as last seen, not gone.
                foreach (var (id, seen) in _vmStates.Where(v => v.Value.Host == host))
                {
                    states[id] = seen;
                }

                continue;
            }

            if (_unreachable.Contains(host))
            {
                Log.HostBack(_logger, revision, host);
            }

            foreach (var vm in observation.Status?.Vms ?? [])
            {
                states[vm.Id] = (host, vm.State);
                var before = _vmStates.TryGetValue(vm.Id, out var seen) ? seen.State.ToString() : "absent";
                if (before == vm.State.ToString())
                {
                    continue;
                }

                if (vm.State == Wire.VmState.Failed)
                {
                    Log.VmFailed(_logger, revision, host, vm.Cluster, vm.Id, vm.Reason);
                }
                else
                {
                    Log.VmState(_logger, revision, host, vm.Cluster, vm.Id, before, vm.State.ToString());
                }
            }
        }

        // Gone means its host answered without it; a host not asked this pass (it left the fleet) says nothing of its VMs.
        foreach (var (id, seen) in _vmStates.Where(v => !states.ContainsKey(v.Key) && observed.ContainsKey(v.Value.Host)))
        {
            Log.VmGone(_logger, revision, seen.Host, id);
        }

        _vmStates = states;
        _unreachable = unreachable;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 510, Level = LogLevel.Information, Message = "host {Host}: applied spec {SpecHash} of revision {Revision}")]
        public static partial void Applied(ILogger logger, string revision, string host, string specHash);

        [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "host {Host}: {Error} (revision {Revision})")]
        public static partial void HostUnreachable(ILogger logger, string revision, string host, string error);

        [LoggerMessage(EventId = 518, Level = LogLevel.Information, Message = "host {Host}: its agent answers again (revision {Revision})")]
        public static partial void HostBack(ILogger logger, string revision, string host);

        [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "VM {Vm} of cluster {Cluster} on host {Host}: {From} -> {To} (revision {Revision})")]
        public static partial void VmState(ILogger logger, string revision, string host, string cluster, string vm, string from, string to);

        [LoggerMessage(EventId = 513, Level = LogLevel.Warning, Message = "VM {Vm} of cluster {Cluster} on host {Host} failed: {Reason} (revision {Revision})")]
        public static partial void VmFailed(ILogger logger, string revision, string host, string cluster, string vm, string reason);

        [LoggerMessage(EventId = 514, Level = LogLevel.Information, Message = "VM {Vm} on host {Host} is gone (revision {Revision})")]
        public static partial void VmGone(ILogger logger, string revision, string host, string vm);

        [LoggerMessage(EventId = 515, Level = LogLevel.Warning, Message = "revision {Revision} rejected with {Count} error(s); nothing applied, what runs stays")]
        public static partial void Rejected(ILogger logger, string revision, int count);

        [LoggerMessage(EventId = 516, Level = LogLevel.Warning, Message = "revision {Revision}: {Error}")]
        public static partial void RevisionError(ILogger logger, string revision, string error);

        [LoggerMessage(EventId = 517, Level = LogLevel.Warning, Message = "revision {Revision} not applied: {Verdict} signature: {Detail}")]
        public static partial void Untrusted(ILogger logger, string revision, string verdict, string detail);
    }

    public async ValueTask DisposeAsync()
    {
        _agents.Dispose();
        await _mirror.DisposeAsync();
    }
}
