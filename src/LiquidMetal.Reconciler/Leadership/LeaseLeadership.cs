using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Leadership;

/// <summary>
/// Leadership through a Kubernetes Lease (coordination.k8s.io/v1), with KubernetesClient's <see cref="LeaderElector"/>
/// over a <see cref="LeaseLock"/>: the replica holding the Lease leads; the others poll it and take it over once its
/// holder has not renewed it for a lease duration. A graceful stop releases a held Lease so a follower takes over at
/// its next look rather than a lease duration later. The elector runs off the host's start, from start to stop.
/// </summary>
public sealed partial class LeaseLeadership : ILeadership, IHostedService, IDisposable
{
    private readonly IKubernetes _client;
    private readonly LeaseElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaderElector _elector;
    private readonly Lock _lock = new();
    private TaskCompletionSource<LeaderTerm> _next = NewTerm();
    private CancellationTokenSource? _term;
    private long _terms;
    private volatile string? _leader;
    private string? _lastError;
    private CancellationTokenSource? _stopping;
    private Task? _electing;

    public LeaseLeadership(IKubernetes client, LeaseElectionOptions options, ILogger logger, TimeProvider? time = null)
    {
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException("leader election: " + string.Join("; ", problems), nameof(options));
        }

        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity))
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        _elector.OnStartedLeading += StartedLeading;
        _elector.OnStoppedLeading += StoppedLeading;
        _elector.OnNewLeader += NewLeader;
        _elector.OnError += Failed;
    }

    public LeadershipView View
    {
        get
        {
            lock (_lock)
            {
                return new LeadershipView(_term is not null, _term is not null ? _options.Identity : _leader);
            }
        }
    }

    public Task<LeaderTerm> WaitToLeadAsync(CancellationToken cancellationToken)
    {
        Task<LeaderTerm> next;
        lock (_lock)
        {
            next = _next.Task;
        }

        return next.WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        Log.Candidate(_logger, _options.Identity, _options.Namespace, _options.LeaseName);
        _electing = Task.Run(() => ElectAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops competing (the host stops the reconcile loop before this), then releases the Lease if it holds it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _electing is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _electing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_elector.IsLeader())
        {
            await ReleaseAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        _stopping?.Dispose();
        _elector.Dispose();
    }

    private async Task ElectAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            // A term of its own for each run: the elector leaves a renewal retrying after it gives up leading, and
            // cancelling the run's token ends it, so no renewal outlives the term that started it.
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            try
            {
                await _elector.RunUntilLeadershipLostAsync(run.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception e)
            {
                Log.ElectionFailed(_logger, e.Message);
                await Task.Delay(_options.RetryPeriod, _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                await run.CancelAsync();
            }
        }
    }

    /// <summary>
    /// Hands the Lease back as client-go does on a graceful stop: no holder and a one-second duration, written over the
    /// version just read (a Lease someone else took meanwhile is left alone). Failing that, it expires as usual.
    /// </summary>
    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.Namespace, cancellationToken: cancellationToken);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcDateTime;

            // An empty holder, not a missing one: KubernetesClient's elector takes an empty holder as free, but tries to
            // create a Lease that has none, which the API server refuses because it exists.
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = now;
            lease.Spec.AcquireTime = now;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.Namespace, cancellationToken: cancellationToken);
            Log.Released(_logger, _options.Namespace, _options.LeaseName);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReleaseFailed(_logger, _options.Namespace, _options.LeaseName, e.Message);
        }
    }

    private void StartedLeading()
    {
        long number;
        lock (_lock)
        {
            number = ++_terms;
            _term = new CancellationTokenSource();
            _next.TrySetResult(new LeaderTerm(number, _term.Token));
            _lastError = null;
        }

        Log.Leading(_logger, _options.Identity, number);
    }

    private void StoppedLeading()
    {
        CancellationTokenSource? ended;
        lock (_lock)
        {
            (ended, _term) = (_term, null);
            if (ended is null)
            {
                return;
            }

            _next = NewTerm();
        }

        // Outside the lock, and only once a waiter would wait for the next term: cancelling runs the loop's
        // continuations on this thread, and they ask for the next term at once.
        Log.StoppedLeading(_logger, _options.Identity);
        ended.Cancel();
    }

    private void NewLeader(string? leader)
    {
        _leader = leader;
        if (leader != _options.Identity)
        {
            Log.Following(_logger, string.IsNullOrEmpty(leader) ? "(released)" : leader);
        }
    }

    private void Failed(Exception? error)
    {
        // The elector reports every failed look (one each retry period while the API server is away): log a change only.
        var message = error?.GetBaseException().Message ?? "unknown error";
        lock (_lock)
        {
            if (message == _lastError)
            {
                return;
            }

            _lastError = message;
        }

        Log.LeaseError(_logger, _options.Namespace, _options.LeaseName, message);
    }

    private static TaskCompletionSource<LeaderTerm> NewTerm() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
