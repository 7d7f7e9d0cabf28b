using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// Whether the reconcile loop is ready, from when passes start and finish on the reconciler's clock: ready while the
/// last pass did not fail (a rejected head is a finished pass: what ran keeps running) and the loop is alive, i.e. no
/// pass has run longer than any healthy one can, and, between passes, one finished within three poll intervals (a poll
/// starts one every interval) plus five minutes.
/// </summary>
public sealed class Readiness(TimeProvider time, TimeSpan longestPass, TimeSpan pollInterval)
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

    /// <summary>Ready or not, and a line saying why, as /readyz answers.</summary>
    public (bool Ready, string Text) Evaluate()
    {
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
