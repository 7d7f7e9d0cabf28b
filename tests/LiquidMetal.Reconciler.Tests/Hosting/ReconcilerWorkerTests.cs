using LiquidMetal.Git;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Reconciler.Tests.Hosting;

/// <summary>
/// The reconcile loop on fakes and a fake clock: what wakes it, how often it looks again, and that it outlives a
/// failing pass. Time moves only when a test moves it, so "nothing happened" is read off the clock, not waited for.
/// </summary>
public sealed class ReconcilerWorkerTests
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Far = TimeSpan.FromHours(1);

    [Fact]
    public async Task ReconcilerHost_EveryAgentDownAndEveryTimerFarAway_LooksAgainLessAndLessOftenAndNeverSpins()
    {
        var fleet = new FakeFleet();
        foreach (var agent in fleet.Agents.Agents)
        {
            agent.Down = true;
        }

        await using var pass = fleet.Pass();
        await using var loop = await ReconcilerHost.StartAsync(pass, "main", new ReconcileLoopOptions
        {
            PollInterval = Far, // also the longest recheck
            ResyncInterval = Far,
            ConvergingRecheck = Recheck,
        }, time: fleet.Clock);

        // Nothing can be watched (no agent answered) and no timer of the host's schedule is due: only the recheck can
        // bring a pass, each a quiet one (nothing new to record), so each waits twice as long as the one before.
        var expected = 1;
        foreach (var delay in new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600 }.Select(s => TimeSpan.FromSeconds(s)))
        {
            await Eventually.TrueAsync(() => fleet.Source.Syncs == expected && fleet.Clock.Pending.SequenceEqual([delay]), $"pass {expected}, then a recheck in {delay}");
            var fired = fleet.Clock.Fired;

            fleet.Clock.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(fired, fleet.Clock.Fired); // not due yet: nothing can have woken the loop
            Assert.Equal(expected, fleet.Source.Syncs);

            fleet.Clock.Advance(TimeSpan.FromTicks(1));
            Assert.Equal(fired + 1, fleet.Clock.Fired);
            expected++;
        }

        await Eventually.TrueAsync(() => fleet.Source.Syncs == expected && fleet.Clock.Pending.Count == 1, "the last recheck's pass");
        Assert.Equal(15, fleet.Source.Syncs); // in three hours of the loop's time
        Assert.Empty(fleet.Agents.Applies);
        Assert.Equal(ReconcileOutcome.Converging, loop.Last!.Outcome);
        Assert.Single(fleet.Status.Pushed); // the first pass recorded the hosts unreachable; the others had nothing new
    }

    [Fact]
    public async Task ExecuteAsync_AnAgentReportsAChange_WakesTheLoopASecondAfterTheLastPassBegan()
    {
        var fleet = new FakeFleet();
        fleet.Agents.BootTo = VmPhase.Creating;
        await using var pass = fleet.Pass();
        var (worker, trigger, readiness) = Worker(fleet, pass, new ReconcileLoopOptions { PollInterval = Far, ResyncInterval = Far, ConvergingRecheck = Far });

        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The start pass applies and leaves the VMs booting: it watches the agents, and its recheck is an hour away.
            await Eventually.TrueAsync(() => readiness.Last is not null && fleet.Agents.Watching == 1 && fleet.Clock.Pending.Count == 1, "the start pass, then a watch and a recheck");
            Assert.Equal(ReconcileOutcome.Converging, readiness.Last!.Outcome);
            Assert.Equal([Far], fleet.Clock.Pending);

            fleet.Agents.BootAll();

            // The news came within a second of the start pass's start: the woken pass waits for that second (a flapping
            // VM costs a pass a second, not a loop), and not a moment longer.
            await Eventually.TrueAsync(() => fleet.Clock.Pending.Contains(TimeSpan.FromSeconds(1)), "the wake-up held until a second after the last pass began");
            Assert.Equal(1, fleet.Source.Syncs);
            fleet.Clock.Advance(TimeSpan.FromSeconds(1));

            await Eventually.TrueAsync(() => readiness.Last!.Converged, "a pass woken by the agents");
            Assert.Equal(2, fleet.Source.Syncs);
            Assert.Equal(1, fleet.Clock.Fired); // the second's wait; the hour's recheck never fired
            Assert.Empty(fleet.Clock.Pending); // the recheck was dropped when the woken pass began
            Assert.Equal(12, fleet.RunningVms);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ExecuteAsync_PassThrows_LoopGoesOnAndReadinessSaysWhyUntilAPassSucceeds()
    {
        var fleet = new FakeFleet();
        fleet.Source.SyncFails = new GitException("git ls-remote: no answer from the remote");
        await using var pass = fleet.Pass();
        var (worker, trigger, readiness) = Worker(fleet, pass, new ReconcileLoopOptions { PollInterval = Far, ResyncInterval = Far, ConvergingRecheck = Recheck });

        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => readiness.Last is not null, "the start pass");
            Assert.Equal((false, "not ready: git ls-remote: no answer from the remote"), readiness.Evaluate());
            Assert.Empty(fleet.Clock.Pending); // a failed pass waits for the next poll, webhook or resync

            fleet.Source.SyncFails = null;
            trigger.Request("poll");

            await Eventually.TrueAsync(() => readiness.Last!.Converged, "the next pass");
            Assert.True(readiness.Evaluate().Ready);
            Assert.Equal(2, fleet.Source.Syncs);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ExecuteAsync_ConvergedFleetPolled_IdlePassesAreNotReportedAndArmNoTimer()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        var (worker, trigger, readiness) = Worker(fleet, pass, new ReconcileLoopOptions { PollInterval = Far, ResyncInterval = Far, ConvergingRecheck = Recheck });
        var reconciled = 0;
        worker.Reconciled += _ => Interlocked.Increment(ref reconciled);

        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => readiness.Last is { Converged: true }, "the start pass");
            trigger.Request("poll");
            await Eventually.TrueAsync(() => readiness.Last!.Outcome == ReconcileOutcome.Idle, "an idle poll");

            Assert.Equal(1, reconciled);
            Assert.Equal(2, fleet.Source.Syncs);
            Assert.Empty(fleet.Clock.Pending);
            Assert.Equal(0, fleet.Agents.Waits); // a converged fleet has nothing to watch for
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private static (ReconcilerWorker Worker, ReconcileTrigger Trigger, Readiness Readiness) Worker(FakeFleet fleet, ReconcilePass pass, ReconcileLoopOptions options)
    {
        var trigger = new ReconcileTrigger();
        var readiness = new Readiness(fleet.Clock, options.LongestPass, options.PollInterval);
        return (new ReconcilerWorker(pass, trigger, readiness, options, fleet.Clock, NullLogger<ReconcilerWorker>.Instance), trigger, readiness);
    }
}
