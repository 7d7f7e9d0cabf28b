using LiquidMetal.Reconciler.Hosting;

namespace LiquidMetal.Reconciler.Tests;

public sealed class ReconcileTriggerTests
{
    [Fact]
    public async Task WaitAsync_BurstOfRequests_CoalescesIntoOneWakeWithEveryReason()
    {
        var trigger = new ReconcileTrigger();
        for (var i = 0; i < 100; i++)
        {
            trigger.Request(i % 2 == 0 ? "webhook" : "poll");
        }

        var reasons = await trigger.WaitAsync(CancellationToken.None);

        Assert.Equal(["webhook", "poll"], reasons);
        await AssertNothingPendingAsync(trigger);
    }

    [Fact]
    public async Task WaitAsync_RequestDuringRun_WakesExactlyOnceMore()
    {
        var trigger = new ReconcileTrigger();
        trigger.Request("poll");
        await trigger.WaitAsync(CancellationToken.None);

        // A reconcile is running now; two triggers arrive.
        trigger.Request("webhook");
        trigger.Request("webhook");

        Assert.Equal(["webhook"], await trigger.WaitAsync(new CancellationTokenSource(1000).Token));
        await AssertNothingPendingAsync(trigger);
    }

    [Fact]
    public async Task WaitAsync_NothingRequested_WaitsUntilARequestComes()
    {
        var trigger = new ReconcileTrigger();

        var wait = trigger.WaitAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        trigger.Request("agent");

        Assert.Equal(["agent"], await wait);
    }

    /// <summary>Requests complete a wait at once (on the requesting thread), so a wait that is not complete now has nothing to wake it.</summary>
    private static async Task AssertNothingPendingAsync(ReconcileTrigger trigger)
    {
        using var stop = new CancellationTokenSource();
        var wait = trigger.WaitAsync(stop.Token);
        Assert.False(wait.IsCompleted, "a request is pending");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
