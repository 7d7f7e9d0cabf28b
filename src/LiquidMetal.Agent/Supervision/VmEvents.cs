using LiquidMetal.Agent.Providers;

namespace LiquidMetal.Agent.Supervision;

/// <summary>What a VM supervisor waits for between two decisions.</summary>
internal static class VmEvents
{
    /// <summary>
    /// Returns on the first of: a wake signal (new desired state), the VMM's exit, the guest's
    /// ready marker (when <paramref name="awaitReady"/>), or <paramref name="wakeAt"/> (a deadline or retry time).
    /// </summary>
    public static async Task WaitAsync(
        Task wake,
        IVmInstance? instance,
        bool awaitReady,
        DateTimeOffset? wakeAt,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        using var waitEnds = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<Task> events = [wake, Task.Delay(Timeout.Infinite, waitEnds.Token)];
        if (instance is not null)
        {
            events.Add(instance.Exited);
            if (awaitReady)
            {
                events.Add(instance.Ready);
            }
        }

        if (wakeAt is { } at)
        {
            var delay = at - time.GetUtcNow();
            events.Add(Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, time, waitEnds.Token));
        }

        await Task.WhenAny(events);
        // Ends the timers this wait started, so none outlives it.
        await waitEnds.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
