using LiquidMetal.Git;
using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// The reconcile loop in the generic host: waits for a trigger (a poll, a resync, the webhook, an agent's news, a
/// recheck), runs one pass, and records how it ended. Triggers that arrive during a pass coalesce into one more. A
/// failing pass never stops the loop: what runs keeps running, readiness says so, the next trigger tries again.
/// Stopping cancels the pass in flight; nothing is half-applied (each host gets its whole spec or none).
/// Passes run only while this replica leads (<see cref="ILeadership"/>): a follower waits, its triggers gathered for
/// when it leads; losing the lead cancels the pass in flight as stopping does, and every term starts with a resync.
/// </summary>
public sealed partial class ReconcilerWorker(
    ReconcilePass pass,
    ReconcileTrigger trigger,
    Readiness readiness,
    ReconcileLoopOptions options,
    TimeProvider time,
    ILogger<ReconcilerWorker> logger,
    ILeadership? leadership = null) : BackgroundService
{
    private readonly ILeadership _leadership = leadership ?? SoleLeader.Instance;
    private readonly ConvergingBackoff _backoff = new(options.ConvergingRecheck, options.PollInterval);

    /// <summary>Raised after every pass that did something (not after idle polls).</summary>
    public event Action<ReconcileResult>? Reconciled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CancellationTokenSource? waking = null;
        long term = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var lead = await _leadership.WaitToLeadAsync(stoppingToken);
                if (lead.Number != term)
                {
                    // A full pass at the start of every term: the status branch and the agents are the truth, and a
                    // leader that was away (or another's term) left nothing this replica may trust from before.
                    term = lead.Number;
                    trigger.Request("resync");
                }

                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lead.Lost);
                try
                {
                    var reasons = await trigger.WaitAsync(leading.Token);

                    // This pass sees what the agents report now: the last pass's wake-ups have nothing left to say.
                    if (waking is not null)
                    {
                        await waking.CancelAsync();
                        waking.Dispose();
                        waking = null;
                    }

                    var started = time.GetUtcNow();
                    var result = await RunPassAsync(reasons, leading.Token);
                    if (result is { Valid: true, Converged: false })
                    {
                        waking = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lead.Lost);
                        _ = WakeOnAgentChangeAsync(started, waking.Token);
                        _ = RecheckAsync(_backoff.Next(wroteStatus: result.StatusCommit is not null), waking.Token);
                    }
                    else
                    {
                        _backoff.Reset();
                    }
                }
                catch (OperationCanceledException) when (lead.Lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    // The lead is lost: the pass in flight (if any) stopped where it was, as on SIGTERM. A status write
                    // it had begun cannot land over the new leader's (compare-and-swap); what it applied is whole.
                    pass.ReleaseAgents();
                    if (readiness.PassAbandoned())
                    {
                        Log.PassCancelled(logger);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: SIGTERM, Ctrl+C, or the host shutting down.
        }
        finally
        {
            waking?.Dispose();
        }
    }

    private async Task<ReconcileResult> RunPassAsync(IReadOnlyList<string> reasons, CancellationToken leading)
    {
        // A webhook or a new head is seen by a poll too; only a resync or a converging fleet needs every agent looked at.
        var resync = reasons.Any(r => r is "resync" or "converging" or "agent");
        ReconcileResult result;
        readiness.PassStarted();
        try
        {
            result = await pass.RunAsync(resync, leading);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // An unreachable remote, a refused push, or a bug: the loop keeps going, and readiness reports the failure.
            Log.Failed(logger, e is GitException ? e.Message : e.ToString());
            result = ReconcileResult.Failed(e.Message, TimeSpan.Zero);
        }

        readiness.PassFinished(result);
        foreach (var warning in result.Warnings)
        {
            Log.Warning(logger, warning);
        }

        if (result.Outcome != ReconcileOutcome.Idle)
        {
            Log.Reconciled(logger, result.Revision ?? "(none)", result.Outcome.ToString(), string.Join(",", reasons), result.Duration.TotalMilliseconds);
            Reconciled?.Invoke(result);
        }

        return result;
    }

    /// <summary>
    /// An agent's news starts the next pass, but never sooner than <see cref="ReconcileUntilConverged.Spacing"/> after the
    /// last one started: news that keeps coming while the fleet gets nowhere (a VM that flaps) costs a pass a second at
    /// most, not a loop. A webhook, a poll or a resync is not held back.
    /// </summary>
    private async Task WakeOnAgentChangeAsync(DateTimeOffset lastPassStarted, CancellationToken cancellationToken)
    {
        try
        {
            await pass.WaitForAgentChangeAsync(cancellationToken);
            var early = lastPassStarted + ReconcileUntilConverged.Spacing - time.GetUtcNow();
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early, time, cancellationToken);
            }

            trigger.Request("agent");
        }
        catch (OperationCanceledException)
        {
            // The next pass started, or the loop is stopping.
        }
    }

    private async Task RecheckAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            trigger.Request("converging");
        }
        catch (OperationCanceledException)
        {
            // The next pass started, or the loop is stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "reconciled revision {Revision}: {Outcome} (triggered by {Reasons}) in {Milliseconds} ms")]
        public static partial void Reconciled(ILogger logger, string revision, string outcome, string reasons, double milliseconds);

        [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "reconcile failed: {Error}")]
        public static partial void Failed(ILogger logger, string error);

        [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void Warning(ILogger logger, string warning);

        [LoggerMessage(EventId = 504, Level = LogLevel.Warning, Message = "the lead was lost during a pass: the pass is cancelled; the next leader starts with a full pass")]
        public static partial void PassCancelled(ILogger logger);
    }
}
