using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Reconciler.Tests.Hosting;

/// <summary>The reconcile loop under leader election, on fakes and a fake clock: it passes only while it leads.</summary>
public sealed class LeaderGatedWorkerTests
{
    private static readonly ReconcileLoopOptions Options = new()
    {
        PollInterval = TimeSpan.FromHours(1),
        ResyncInterval = TimeSpan.FromHours(1),
        ConvergingRecheck = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task ExecuteAsync_Follower_RunsNoPassUntilItLeads_ThenOneForEverythingAsked()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        var leadership = new ManualLeadership();
        var (worker, trigger, readiness) = Worker(fleet, pass, leadership);

        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => leadership.Waits == 1, "the loop waits for the lead");
            trigger.Request("poll");
            trigger.Request("webhook");
            Assert.Equal(0, fleet.Source.Syncs);
            Assert.Equal((true, "ready: following other; takes over if it stops renewing the lease"), readiness.Evaluate());

            leadership.Lead();

            await Eventually.TrueAsync(() => readiness.Last is { Converged: true } && leadership.Waits == 2, "the term's first pass, then the loop waiting for more");
            Assert.Equal(1, fleet.Source.Syncs); // the term's resync, the poll and the webhook: one pass
            Assert.Equal(12, fleet.RunningVms);
            Assert.True(readiness.Evaluate().Ready);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ExecuteAsync_LeadLostDuringAPass_CancelsItAndRunsNoneUntilItLeadsAgain()
    {
        var fleet = new FakeFleet();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fleet.Source.HoldSync = async token =>
        {
            held.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        };
        await using var pass = fleet.Pass();
        var leadership = new ManualLeadership();
        leadership.Lead();
        var (worker, trigger, readiness) = Worker(fleet, pass, leadership);

        await worker.StartAsync(CancellationToken.None);
        try
        {
            await held.Task.WaitAsync(TimeSpan.FromSeconds(20));
            leadership.Lose();

            await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await Eventually.TrueAsync(() => leadership.Waits == 2, "the loop waits for the lead again");
            Assert.Null(readiness.Last); // cancelled: it neither failed nor finished
            Assert.Empty(fleet.Status.Pushed);
            Assert.Empty(fleet.Agents.Applies);
            Assert.True(readiness.Evaluate().Ready); // a follower, able to take over
            Assert.Empty(Assert.IsAssignableFrom<IReadOnlySet<string>>(fleet.Agents.Retained)); // a follower holds no agent stream open

            fleet.Source.HoldSync = null;
            trigger.Request("poll");
            Assert.Equal(1, fleet.Source.Syncs);

            leadership.Lead();

            await Eventually.TrueAsync(() => readiness.Last is { Converged: true }, "the second term's pass");
            Assert.Equal(2, fleet.Source.Syncs);
            Assert.Single(fleet.Status.Pushed);
            Assert.Equal(ReconcileOutcome.Converged, readiness.Last!.Outcome);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Evaluate_Follower_ReadyOnceItHasSeenALeaderOrAReleasedLease()
    {
        var view = new StubLeadership { View = new LeadershipView(false, null) };
        var readiness = new Readiness(TimeProvider.System, TimeSpan.FromMinutes(75), TimeSpan.FromSeconds(30), view);

        Assert.Equal((false, "not ready: following, but no leader seen yet (is the Lease API reachable?)"), readiness.Evaluate());

        view.View = new LeadershipView(false, "liquidmetal-7c9f-abcde");
        Assert.Equal((true, "ready: following liquidmetal-7c9f-abcde; takes over if it stops renewing the lease"), readiness.Evaluate());

        view.View = new LeadershipView(false, "");
        Assert.True(readiness.Evaluate().Ready);

        view.View = new LeadershipView(true, "me");
        Assert.Equal((false, "not ready: no reconcile has finished yet"), readiness.Evaluate()); // a leader is judged by its passes
    }

    private static (ReconcilerWorker Worker, ReconcileTrigger Trigger, Readiness Readiness) Worker(FakeFleet fleet, ReconcilePass pass, ILeadership leadership)
    {
        var trigger = new ReconcileTrigger();
        var readiness = new Readiness(fleet.Clock, Options.LongestPass, Options.PollInterval, leadership);
        return (new ReconcilerWorker(pass, trigger, readiness, Options, fleet.Clock, NullLogger<ReconcilerWorker>.Instance, leadership), trigger, readiness);
    }

    private sealed class StubLeadership : ILeadership
    {
        public LeadershipView View { get; set; } = new(false, null);

        public Task<LeaderTerm> WaitToLeadAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith<LeaderTerm>(_ => throw new OperationCanceledException(), TaskScheduler.Default);
    }
}
