using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Hosting;

/// <summary>
/// <c>reconcile --once</c>'s loop on the fakes and a fake clock: how many passes a wait allows, when the next pass
/// starts, and that news which never stops cannot make it spin. Each pass's start is read off the clock in the fleet
/// source's sync, the first thing a pass does.
/// </summary>
public sealed class ReconcileUntilConvergedTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task RunAsync_NoWait_OnePassAndNoWaitForNews()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-3"].Down = true;
        await using var pass = fleet.Pass();

        var last = await new ReconcileUntilConverged(pass, fleet.Clock).RunAsync(TimeSpan.Zero, _ => { }, CancellationToken.None);

        Assert.Equal(ReconcileOutcome.Converging, last.Outcome);
        Assert.Equal(1, fleet.Source.Syncs);
        Assert.Equal(0, fleet.Agents.Waits);
        Assert.Empty(fleet.Clock.Pending);
    }

    [Fact]
    public async Task RunAsync_HostThatCannotConverge_APassASecondAfterTheLastEndedUntilTheWaitRunsOut()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-3"].Down = true;
        var starts = PassesTake(fleet, TimeSpan.FromMilliseconds(300));
        await using var pass = fleet.Pass();
        var reported = new List<ReconcileResult>();

        var last = await DriveAsync(fleet, new ReconcileUntilConverged(pass, fleet.Clock).RunAsync(TimeSpan.FromSeconds(10), reported.Add, CancellationToken.None));

        // No news from the agents: a second after each pass ended, and not one pass after the wait ran out.
        Assert.Equal(ReconcileOutcome.Converging, last.Outcome);
        Assert.Equal([0, 1300, 2600, 3900, 5200, 6500, 7800, 9100], starts.Select(Millis));
        Assert.Equal(starts.Count, reported.Count);
        Assert.Equal(10_000, Millis(fleet.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task RunAsync_AgentNewsThatNeverStops_NeverMoreThanOnePassASecond()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-3"].Down = true;
        fleet.Agents.NewsNeverStops = true;
        var starts = PassesTake(fleet, TimeSpan.FromMilliseconds(300));
        await using var pass = fleet.Pass();

        var last = await DriveAsync(fleet, new ReconcileUntilConverged(pass, fleet.Clock).RunAsync(TimeSpan.FromSeconds(10), _ => { }, CancellationToken.None));

        // Every wait for news ends at once, yet passes start a second apart: ten in ten seconds, not one every 300 ms.
        Assert.Equal(ReconcileOutcome.Converging, last.Outcome);
        Assert.Equal(10, starts.Count);
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.True(pair.Second - pair.First >= ReconcileUntilConverged.Spacing, $"passes at {Millis(pair.First)} and {Millis(pair.Second)} ms"));
        Assert.True(fleet.Agents.Waits >= 9, $"{fleet.Agents.Waits} waits for news");
    }

    [Fact]
    public async Task RunAsync_NewsAfterALongPass_NextPassAtOnceAndConverged()
    {
        var fleet = new FakeFleet();
        fleet.Agents.BootTo = VmPhase.Creating;
        var starts = PassesTake(fleet, TimeSpan.FromSeconds(2));
        await using var pass = fleet.Pass();

        var run = new ReconcileUntilConverged(pass, fleet.Clock).RunAsync(TimeSpan.FromMinutes(5), _ => { }, CancellationToken.None);
        await Eventually.TrueAsync(() => fleet.Agents.Watching == 1, "the first pass, then a wait for news");
        Assert.Equal([TimeSpan.FromSeconds(1)], fleet.Clock.Pending); // a second after the pass ended at most
        fleet.Agents.BootAll();
        var last = await run;

        Assert.Equal(ReconcileOutcome.Converged, last.Outcome);
        Assert.Equal([0, 2000], starts.Select(Millis)); // the second pass began when the news came, with no timer
        Assert.Equal(0, fleet.Clock.Fired);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task RunAsync_ConvergedAtOnce_OnePass()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();

        var last = await new ReconcileUntilConverged(pass, fleet.Clock).RunAsync(TimeSpan.FromMinutes(5), _ => { }, CancellationToken.None);

        Assert.Equal(ReconcileOutcome.Converged, last.Outcome);
        Assert.Equal(1, fleet.Source.Syncs);
        Assert.Empty(fleet.Clock.Pending);
    }

    /// <summary>Each pass moves the clock by <paramref name="duration"/>; the list gets each pass's start.</summary>
    private static List<DateTimeOffset> PassesTake(FakeFleet fleet, TimeSpan duration)
    {
        var starts = new List<DateTimeOffset>();
        fleet.Source.DuringSync = () =>
        {
            starts.Add(fleet.Clock.GetUtcNow());
            fleet.Clock.Advance(duration);
        };
        return starts;
    }

    /// <summary>Moves the clock in small steps whenever the loop waits on a timer, until it returns.</summary>
    private static async Task<ReconcileResult> DriveAsync(FakeFleet fleet, Task<ReconcileResult> run)
    {
        while (!run.IsCompleted)
        {
            await Eventually.TrueAsync(() => run.IsCompleted || fleet.Clock.Pending.Count > 0, "the loop waits on a timer or returns");
            if (!run.IsCompleted)
            {
                fleet.Clock.Advance(Step);
            }
        }

        return await run;
    }

    private static DateTimeOffset Start { get; } = new FakeClock().GetUtcNow();

    private static long Millis(DateTimeOffset at) => (long)(at - Start).TotalMilliseconds;
}
