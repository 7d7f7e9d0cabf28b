using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// Whether the reconcile loop is ready, from when passes start and finish on the reconciler's clock: ready while the
/// last pass did not fail (a rejected head is a finished pass: what ran keeps running) and the loop is alive, i.e. no
/// pass has run longer than any healthy one can, and, between passes, one finished within three poll intervals (a poll
/// starts one every interval) plus five minutes. A follower (with leader election) runs no passes: it is ready once it
/// has seen a leader or a released lease, since it is then able to take over; Kubernetes would otherwise never finish a
/// rolling update (a new replica could never be ready while the old leader holds the lease), and a PodDisruptionBudget
/// would never let the leader's node drain.
/// </summary>
public sealed class Readiness(TimeProvider time, TimeSpan longestPass, TimeSpan pollInterval, ILeadership? leadership = null)
{
    private volatile Finished? _finished;
    private volatile Started? _started;

    /// <summary>The last pass's result (null before the first finished).</summary>
    public ReconcileResult? Last => _finished?.Result;

    public void PassStarted() => _started = new Started(time.GetUtcNow());

    public void PassFinished(ReconcileResult result)
    {
        _finished = new Finished(result, time.GetUtcNow());
        _started = null;
    }

    /// <summary>A pass cancelled because the lead was lost: it neither failed nor finished. False when none ran.</summary>
    public bool PassAbandoned() => Interlocked.Exchange(ref _started, null) is not null;

    /// <summary>Ready or not, and a line saying why, as /readyz answers.</summary>
    public (bool Ready, string Text) Evaluate()
    {
        if (leadership?.View is { Leading: false } view)
        {
            return view.Leader switch
            {
                null => (false, "not ready: following, but no leader seen yet (is the Lease API reachable?)"),
                "" => (true, "ready: following; the lease was released, taking over"),
                _ => (true, $"ready: following {view.Leader}; takes over if it stops renewing the lease"),
            };
        }

        var (finished, started, now) = (_finished, _started, time.GetUtcNow());
        var last = finished?.Result;
        if (started is not null && now - started.At > longestPass)
        {
            return (false, $"not ready: a reconcile has run for {(now - started.At).TotalSeconds:0} s, longer than any healthy one");
        }

        if (started is null && finished is not null && now - finished.At > pollInterval * 3 + TimeSpan.FromMinutes(5))
        {
            return (false, $"not ready: no reconcile has run for {(now - finished.At).TotalSeconds:0} s");
        }

        return last switch
        {
            null => (false, "not ready: no reconcile has finished yet"),
            { Outcome: ReconcileOutcome.Failed } => (false, $"not ready: {last.Errors.FirstOrDefault()?.Message}"),
            { Outcome: ReconcileOutcome.Rejected } => (true, $"ready: revision {last.Revision} rejected ({last.Errors.Length} error(s)); what ran keeps running"),
            _ => (true, $"ready: revision {last.Revision}, {(last.Converged ? "converged" : "converging")}"),
        };
    }

    private sealed record Finished(ReconcileResult Result, DateTimeOffset At);

    private sealed record Started(DateTimeOffset At);
}
