using System.Collections.Immutable;
using System.Diagnostics;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Source;
using LiquidMetal.Reconciler.Status;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Reconciler.Pass;

/// <summary>
/// One reconcile, DESIGN.md steps 1-7, as stages: the fleet source (sync, trust, files), the compile (load, validate,
/// place from the status branch's placement, render), the rollout planner, the agents (observe, apply), and the status
/// store (read, compose, write with compare-and-swap). An invalid or untrusted revision is rejected whole: nothing is
/// applied, and why goes into status/fleet.yaml. Git and the agents are the truth; what a pass keeps in memory only
/// saves work (and a restarted reconciler starts with a full pass).
/// </summary>
public sealed class ReconcilePass : IAsyncDisposable
{
    private readonly ReconcilerOptions _options;
    private readonly IFleetSource _source;
    private readonly FleetTrust _trust;
    private readonly IStatusStore _status;
    private readonly IAgentPool _agents;
    private readonly TimeProvider _time;
    private readonly IAsyncDisposable? _owned;
    private readonly IBootstrapStore? _bootstrap;
    private readonly KubeadmClusters _kubeadm;
    private readonly CompileCache _compiles = new();
    private readonly WrittenDocuments _written = new();
    private readonly RunningClock _running;
    private readonly ChangeLog _changes;

    // The heads a converged pass last saw, and the status commit it wrote or found: a poll that sees the same again has
    // nothing to do.
    private ImmutableDictionary<string, string>? _convergedHeads;

    private bool _disposed;

    // Each reachable agent's endpoint and the fingerprint of what the last pass saw it run (see WaitForAgentChangeAsync).
    private ImmutableDictionary<string, string> _lastSeen = ImmutableDictionary<string, string>.Empty;

    /// <summary>A pass over the given stages (tests give their own); <paramref name="owned"/> is disposed with it.</summary>
    /// <param name="bootstrap">Where kubeadm clusters' secrets are kept; null: this reconciler applies no kubeadm cluster (it has no key).</param>
    /// <param name="connect">How a cluster's API is reached (the real <see cref="ClusterApi"/> by default).</param>
    public ReconcilePass(
        ReconcilerOptions options,
        IFleetSource source,
        IStatusStore status,
        IAgentPool agents,
        TimeProvider? time = null,
        IAsyncDisposable? owned = null,
        IBootstrapStore? bootstrap = null,
        Func<string, ClusterSecrets, DateTimeOffset, IClusterApi>? connect = null)
    {
        _options = options;
        _source = source;
        _trust = new FleetTrust(source, options.RequireSignedBy);
        _status = status;
        _agents = agents;
        _time = time ?? TimeProvider.System;
        _owned = owned;
        _bootstrap = bootstrap;
        _kubeadm = new KubeadmClusters(connect ?? ((endpoint, secrets, now) => ClusterApi.Connect(endpoint, secrets, now)), _time, options.KubernetesProbeInterval);
        _running = new RunningClock(_time);
        _changes = new ChangeLog(options.Logger ?? NullLogger.Instance);
    }

    /// <summary>The pass over the fleet repository's mirror and the agents over gRPC, as the reconciler runs.</summary>
    /// <param name="connect">How a kubeadm cluster's API is reached (the real <see cref="ClusterApi"/> by default; tests point a VIP at an in-test server).</param>
    public static async Task<ReconcilePass> OpenAsync(
        ReconcilerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default, Func<string, ClusterSecrets, DateTimeOffset, IClusterApi>? connect = null)
    {
        time ??= TimeProvider.System;
        var mirror = await GitMirror.OpenAsync(options.MirrorPath, options.RepositoryUrl, options.Credentials, cancellationToken);
        var status = new GitStatusStore(mirror, options.StatusBranch, options.Committer, time, options.PushAttempts);
        var agents = new GrpcAgentPool(options.AgentClient, options.MaxParallelHosts, options.AgentCallTimeout, time);
        var bootstrap = options.SecretBox is { } box ? new GitBootstrapStore(mirror, options.StatusBranch, box, options.Committer, time, options.PushAttempts) : null;
        return new ReconcilePass(options, new GitFleetSource(mirror), status, agents, time, mirror, bootstrap, connect);
    }

    /// <summary>
    /// Completes when an agent the last pass reached reports its VMs in another state than that pass saw (a VM came up
    /// or failed): the moment a converging fleet has something new to record. Runs until cancelled otherwise.
    /// </summary>
    public Task WaitForAgentChangeAsync(CancellationToken cancellationToken) => _agents.WaitForChangeAsync(_lastSeen, cancellationToken);

    /// <summary>
    /// Closes every agent's Watch stream and connection: this replica no longer leads, so it holds none open, and its
    /// next term's first pass starts from what the agents answer.
    /// </summary>
    public void ReleaseAgents()
    {
        _agents.Retain([]);
        _lastSeen = ImmutableDictionary<string, string>.Empty;
    }

    /// <summary>One pass. A poll (<paramref name="resync"/> false) that finds the heads a converged pass left does nothing;
    /// a resync always looks at every agent (on its Watch stream, or asked where none is open), which is how drift (a VM
    /// that died, one removed by hand) is corrected.</summary>
    public async Task<ReconcileResult> RunAsync(bool resync = true, CancellationToken cancellationToken = default)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity("reconcile");
        activity?.SetTag("liquidmetal.resync", resync);
        var warnings = new List<string>();
        var result = await RunCoreAsync(resync, warnings, cancellationToken) with { Warnings = [.. warnings] };
        activity?.SetTag("liquidmetal.revision", result.Revision);
        activity?.SetTag("liquidmetal.converged", result.Converged);
        activity?.SetTag("liquidmetal.idle", result.Outcome == ReconcileOutcome.Idle);
        if (!result.Valid)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Errors.FirstOrDefault()?.Message);
            if (result.Outcome == ReconcileOutcome.Rejected)
            {
                ReconcilerTelemetry.Rejected.Add(1);
            }
        }

        if (result.Outcome != ReconcileOutcome.Idle)
        {
            ReconcilerTelemetry.ReconcileDuration.Record(result.Duration.TotalSeconds, new KeyValuePair<string, object?>("converged", result.Converged));
        }

        return result;
    }

    private async Task<ReconcileResult> RunCoreAsync(bool resync, List<string> warnings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var span = ReconcilerTelemetry.Source.StartActivity("fetch");
        var heads = await _source.SyncAsync([_options.Branch, _options.StatusBranch], cancellationToken);
        span?.Dispose();
        var timings = new PassTimings(TimeSpan.Zero, Sync: clock.Elapsed);
        if (!resync && _convergedHeads is { } seen && SameHeads(seen, heads))
        {
            return new ReconcileResult(ReconcileOutcome.Idle, heads.GetValueOrDefault(_options.Branch), null, [], timings with { Total = clock.Elapsed });
        }

        _convergedHeads = null;
        if (!heads.TryGetValue(_options.Branch, out var revision))
        {
            // A deleted branch is not an instruction to delete the fleet: keep everything as it runs.
            return ReconcileResult.Failed($"the remote has no branch {_options.Branch}: nothing is applied and what runs stays", clock.Elapsed);
        }

        var statusTip = heads.GetValueOrDefault(_options.StatusBranch);
        var stage = Stopwatch.StartNew();
        var previous = await _status.ReadAsync(statusTip, warnings, cancellationToken);
        timings = timings with { StatusRead = stage.Elapsed };
        var now = _time.GetUtcNow();

        var verdict = await _trust.JudgeAsync(revision, previous.Snapshot?.Fleet?.AppliedRevision, warnings, cancellationToken);
        if (!verdict.Trusted)
        {
            _changes.Untrusted(revision, verdict.Refusal!, verdict.Verdict, verdict.Detail);
            return await RejectAsync(revision, [verdict.Refusal!], statusTip, now, warnings, clock, timings, cancellationToken);
        }

        stage.Restart();
        span = ReconcilerTelemetry.Source.StartActivity("load, validate, place, render");
        var (compiled, files, hosts) = await _compiles.CompileAsync(_source, revision, previous.Rendered, cancellationToken);
        timings = timings with { Compile = stage.Elapsed };
        var errors = files.Refused.Concat(compiled.Diagnostics).ToImmutableArray();
        span?.SetTag("liquidmetal.valid", compiled.Succeeded && errors.IsEmpty);
        span?.Dispose();
        if (compiled.Fleet?.Settings.StatusBranch is { } declared && declared != _options.StatusBranch)
        {
            warnings.Add($"fleet.yaml names status branch {declared}, but this reconciler writes {_options.StatusBranch}: start it with --status-branch {declared}");
        }

        if (!errors.IsEmpty || !compiled.Succeeded)
        {
            _changes.Rejected(revision, errors);
            return await RejectAsync(revision, errors, statusTip, now, warnings, clock, timings, cancellationToken);
        }

        _changes.Accepted();
        var fleet = compiled.Fleet!;
        var departed = DepartedHosts.Find(hosts, previous.Rendered);
        if (departed.Count > 0 && await _trust.VouchedEndpointsAsync(previous.Snapshot?.Fleet?.AppliedRevision, warnings, cancellationToken) is { } vouched)
        {
            var stopping = DepartedHosts.VouchedFor(departed, vouched);

            // Not told, and not recorded after this pass: say so, or what it runs is lost from sight without a word.
            foreach (var host in departed.Except(stopping))
            {
                warnings.Add($"host {host.Host} left the fleet but is not told to run nothing: the status branch records it at {host.AgentEndpoint}, an endpoint no verified revision gave it; what it runs keeps running");
            }

            departed = stopping;
        }

        // kubeadm clusters: their secrets and init choice are on the status branch before any node is told them.
        var kubeadm = KubeadmClusters.Of(fleet);
        IReadOnlyDictionary<string, ClusterBootstrap> bootstraps = new Dictionary<string, ClusterBootstrap>();
        if (kubeadm.Count > 0)
        {
            if (_bootstrap is null)
            {
                return ReconcileResult.Failed(
                    $"cluster(s) {string.Join(", ", kubeadm.Select(c => c.Name))} bootstrap with kubeadm, and this reconciler has no --age-key-file to keep their CAs and tokens: nothing is applied and what runs stays",
                    clock.Elapsed);
            }

            var known = previous.Snapshot;
            BootstrapAt kept;
            try
            {
                kept = await _bootstrap.UpdateAsync(statusTip, stored => KubeadmClusters.Decide(stored, kubeadm, hosts, known, now), cancellationToken);
            }
            catch (Exception e) when (e is SecretBoxException or InvalidDataException or ClusterSecretsFormatException)
            {
                // Kept secrets this reconciler cannot read: never make new ones over them, and apply nothing.
                return ReconcileResult.Failed(e.Message, clock.Elapsed);
            }

            statusTip = kept.Tip;
            var names = kubeadm.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            bootstraps = kept.Clusters.Where(pair => names.Contains(pair.Key)).ToDictionary(StringComparer.Ordinal);
            _changes.Bootstrapped(kept.Changed);
        }

        stage.Restart();
        span = ReconcilerTelemetry.Source.StartActivity("apply");
        var before = await _agents.ObserveAsync([.. hosts, .. departed], ask: false, cancellationToken);

        // Before anything is applied: a version change must be in kubeadm-config before its first control plane joins.
        var kubernetes = bootstraps.Count == 0 ? null : await _kubeadm.ProbeAsync(
            bootstraps, Fingerprints(before, bootstraps), kubeadm.ToDictionary(c => c.Name, c => c.Release?.Version ?? c.KubernetesVersion, StringComparer.Ordinal), warnings, cancellationToken);
        var runningFor = _running.Observe(before);
        var releases = await _status.ReadReleasesAsync(statusTip, warnings, cancellationToken);
        var shape = RolloutPlanner.Shape(hosts, previous.Rendered, before, fleet, _options.ControlPlaneSettle, runningFor, releases);
        if (shape.ControlPlanesChanging)
        {
            // A control plane is released only on what the agents answer now: a Watch stream holds a host that went
            // silent (power lost, no RST) as it last was until keep-alive notices, and quorum must not rest on that.
            before = await _agents.ObserveAsync([.. hosts, .. departed], ask: true, cancellationToken);
            runningFor = _running.Observe(before);
            shape = RolloutPlanner.Shape(hosts, previous.Rendered, before, fleet, _options.ControlPlaneSettle, runningFor, releases);
        }

        if (shape.ControlPlanesChanging
            && (await _source.SyncAsync([_options.StatusBranch], cancellationToken)).GetValueOrDefault(_options.StatusBranch) is { } latest
            && latest != statusTip)
        {
            // The branch was read before the agents were looked at. Another reconciler may have released a control
            // plane since (one these agents already stop): plan on its record, never against it.
            statusTip = latest;
            previous = await _status.ReadAsync(statusTip, warnings, cancellationToken);
            releases = await _status.ReadReleasesAsync(statusTip, warnings, cancellationToken);
            shape = RolloutPlanner.Shape(hosts, previous.Rendered, before, fleet, _options.ControlPlaneSettle, runningFor, releases);
        }

        // A control plane's release is on the status branch before its agent is told. Another reconciler that got there
        // first may have released another one: then read what it wrote and decide again.
        for (var attempt = 1; ; attempt++)
        {
            var unrecorded = shape.Released
                .Where(vm => !(releases.TryGetValue(vm.Cluster, out var release) && release.Vm == vm.Id && release.SpecHash == vm.Hash))
                .Select(vm => new ControlPlaneRelease(vm.Cluster, vm.Id, vm.Hash, now))
                .ToList();
            if (unrecorded.Count == 0)
            {
                break;
            }

            var record = await _status.RecordReleasesAsync(statusTip, unrecorded, cancellationToken);
            statusTip = record.Tip;
            if (record.Recorded)
            {
                break;
            }

            if (attempt >= _options.PushAttempts)
            {
                return ReconcileResult.Failed(
                    $"{attempt} attempts to record control-plane release(s) {string.Join(", ", unrecorded.Select(r => $"{r.Vm} of {r.Cluster}"))} on {_options.StatusBranch} each found the branch moved by another writer: nothing is applied this pass, and the next pass tries again",
                    clock.Elapsed);
            }

            previous = await _status.ReadAsync(statusTip, warnings, cancellationToken);
            releases = await _status.ReadReleasesAsync(statusTip, warnings, cancellationToken);
            shape = RolloutPlanner.Shape(hosts, previous.Rendered, before, fleet, _options.ControlPlaneSettle, runningFor, releases);
        }
        var applied = await _agents.ApplyAsync(KubeadmClusters.Fill([.. shape.Hosts.Where(h => !shape.Untouched.Contains(h.Host)),  .. departed], bootstraps, now), revision, before, cancellationToken);
        var observed = before.Keys.Union(applied.Keys).ToDictionary(host => host, host => applied.GetValueOrDefault(host) ?? before[host], StringComparer.Ordinal);
        _changes.Observed(revision, observed);
        Remember([.. hosts, .. departed], observed);
        timings = timings with { Apply = stage.Elapsed };
        var failures = observed.Values.Count(o => o.Error is not null);
        span?.SetTag("liquidmetal.hosts", observed.Count);
        span?.SetTag("liquidmetal.applied", observed.Values.Count(o => o.Applied));
        span?.SetTag("liquidmetal.unreachable", failures);
        span?.Dispose();
        ReconcilerTelemetry.ApplyErrors.Add(failures);
        ReconcilerTelemetry.ObservedVms(observed);

        stage.Restart();
        using var statusSpan = ReconcilerTelemetry.Source.StartActivity("status");

        // rendered/ records what each host was told: an untouched host keeps its earlier record, and a departed host
        // stays recorded until its agent confirms it runs nothing.
        var recorded = new Dictionary<string, RenderedHost>(StringComparer.Ordinal);
        foreach (var record in previous.Rendered)
        {
            recorded.TryAdd(record.Host, record); // the first record of a host, as a search of the list would give
        }

        var told = shape.Hosts.Select(h => shape.Untouched.Contains(h.Host) ? recorded.GetValueOrDefault(h.Host) ?? h : h)
            .Concat(departed.Where(d => observed.GetValueOrDefault(d.Host)?.Report?.SpecHash != d.SpecHash))
            .ToList();
        var status = StatusComposer.Compose(revision, fleet, told, observed, previous.Snapshot, now, shape, _written, kubernetes);
        var composeTime = stage.Elapsed;

        // After a lost push race the status is composed again on the winner's commit (its conditions and times count).
        var written = await _status.WriteAsync(
            async tip => tip == statusTip ? status : StatusComposer.Compose(revision, fleet, told, observed, (await _status.ReadAsync(tip, warnings, cancellationToken)).Snapshot, now, shape, _written, kubernetes),
            statusTip,
            warnings,
            cancellationToken);
        if (written.Status.Converged)
        {
            // What the remote holds now, our status commit included: the next poll compares against it.
            _convergedHeads = heads.SetItem(_options.StatusBranch, written.Tip ?? string.Empty);
        }

        var outcome = written.Status.Converged ? ReconcileOutcome.Converged : ReconcileOutcome.Converging;
        return new ReconcileResult(outcome, revision, written.Commit, [], timings with
        {
            Total = clock.Elapsed,
            Status = stage.Elapsed,
            StatusCompose = composeTime,
            StatusObjects = written.Objects,
            StatusPush = written.Push,
        });
    }

    /// <summary>Records a rejected revision's errors in status/fleet.yaml; everything else on the status branch stays as it is.</summary>
    private async Task<ReconcileResult> RejectAsync(
        string revision, ImmutableArray<Diagnostic> errors, string? statusTip, DateTimeOffset now, List<string> warnings, Stopwatch clock, PassTimings timings, CancellationToken cancellationToken)
    {
        var stage = Stopwatch.StartNew();
        var written = await _status.WriteAsync(
            async tip =>
            {
                var at = await _status.ReadAsync(tip, warnings, cancellationToken);
                return StatusComposer.Rejected(
                    revision,
                    errors,
                    at.Snapshot,
                    tip is null ? ImmutableSortedDictionary<string, byte[]>.Empty.WithComparers(StringComparer.Ordinal) : await _status.ReadOwnedAsync(tip, cancellationToken),
                    now,
                    at.Rendered.FirstOrDefault()?.Fleet); // the fleet's name as last applied, for the README's title
            },
            statusTip,
            warnings,
            cancellationToken);
        return new ReconcileResult(ReconcileOutcome.Rejected, revision, written.Commit, errors, timings with { Total = clock.Elapsed, Status = stage.Elapsed, StatusObjects = written.Objects, StatusPush = written.Push });
    }

    /// <summary>Keeps the connections to the hosts' agents only, and what each reachable one reported (by endpoint) for the next wait.</summary>
    private void Remember(IReadOnlyList<RenderedHost> hosts, IReadOnlyDictionary<string, ObservedHost> observed)
    {
        _agents.Retain(hosts.Select(h => h.AgentEndpoint));
        var endpointOf = hosts.ToDictionary(h => h.Host, h => h.AgentEndpoint, StringComparer.Ordinal);
        _lastSeen = observed.Values.Where(o => o.Report is not null && endpointOf.ContainsKey(o.Host))
            .DistinctBy(o => endpointOf[o.Host])
            .ToImmutableDictionary(o => endpointOf[o.Host], o => o.Report!.Fingerprint(), StringComparer.Ordinal);
    }

    /// <summary>Per kubeadm cluster, what its VMs run and in which state: a change is news its API may have too.</summary>
    private static Dictionary<string, string> Fingerprints(IReadOnlyDictionary<string, ObservedHost> observed, IReadOnlyDictionary<string, ClusterBootstrap> bootstraps) =>
        observed.Values.SelectMany(o => o.Report?.Vms ?? []).Where(vm => bootstraps.ContainsKey(vm.Cluster))
            .GroupBy(vm => vm.Cluster, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(",", g.OrderBy(vm => vm.Id, StringComparer.Ordinal).Select(vm => $"{vm.Id}:{vm.Hash}:{vm.Phase}")), StringComparer.Ordinal);

    private bool SameHeads(ImmutableDictionary<string, string> seen, ImmutableDictionary<string, string> now) =>
        seen.GetValueOrDefault(_options.Branch) == now.GetValueOrDefault(_options.Branch)
        && seen.GetValueOrDefault(_options.StatusBranch) == now.GetValueOrDefault(_options.StatusBranch);

    /// <summary>Closes the agents' connections and what the pass owns; a second call does nothing (a host and its embedder may both dispose it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _agents.Dispose();
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }
}
