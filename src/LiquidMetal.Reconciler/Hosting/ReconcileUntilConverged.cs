using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// <c>reconcile --once</c>: full passes until one converges, is rejected or fails, or a wait runs out. Between two
/// passes it waits for an agent's news (a VM came up or failed) or a second, whichever comes first; and a pass never
/// starts less than a second after the one before started. So news that keeps coming while the fleet gets nowhere (a
/// VM that flaps, a Watch stream that never matches what the pass saw) costs at most one pass a second, and a host that
/// cannot converge (an agent that is another host, a metal claim without a bootstrap hook) costs one pass a second
/// until the wait runs out.
/// </summary>
public sealed class ReconcileUntilConverged(ReconcilePass pass, TimeProvider time)
{
    /// <summary>The least time from one pass's start to the next's, and the longest wait for news after a pass.</summary>
    public static TimeSpan Spacing { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs passes, handing each to <paramref name="report"/> as it ends, until one is not <see cref="ReconcileOutcome.Converging"/>
    /// or <paramref name="wait"/> from now has passed; with a zero wait, exactly one pass. Returns the last pass: still
    /// <see cref="ReconcileOutcome.Converging"/> when the wait ran out first.
    /// </summary>
    public async Task<ReconcileResult> RunAsync(TimeSpan wait, Action<ReconcileResult> report, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var started = time.GetUtcNow();
            var result = await pass.RunAsync(resync: true, cancellationToken);
            var ended = time.GetUtcNow();
            report(result);
            if (result.Outcome != ReconcileOutcome.Converging)
            {
                return result;
            }

            // Not sooner than a second after this pass started, whatever the agents say...
            if (!await DelayAsync(Earlier(started + Spacing, deadline), deadline, cancellationToken))
            {
                return result;
            }

            // ...then as soon as an agent has news, and a second after this pass ended at the latest.
            if (!await WaitForNewsAsync(Earlier(ended + Spacing, deadline), deadline, cancellationToken))
            {
                return result;
            }
        }
    }

    /// <summary>Waits until <paramref name="until"/>; false when the deadline has come, so no pass may start.</summary>
    private async Task<bool> DelayAsync(DateTimeOffset until, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var left = until - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, time, cancellationToken);
        }

        return time.GetUtcNow() < deadline;
    }

    /// <summary>Waits for an agent's news, until <paramref name="until"/> at most; false when the deadline has come.</summary>
    private async Task<bool> WaitForNewsAsync(DateTimeOffset until, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var left = until - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            using var quiet = new CancellationTokenSource(left, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quiet.Token);
            try
            {
                await pass.WaitForAgentChangeAsync(either.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No news in time.
            }
        }

        return time.GetUtcNow() < deadline;
    }

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
