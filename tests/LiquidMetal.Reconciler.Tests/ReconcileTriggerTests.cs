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
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trigger.WaitAsync(new CancellationTokenSource(100).Token));
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
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trigger.WaitAsync(new CancellationTokenSource(100).Token));
    }
}
