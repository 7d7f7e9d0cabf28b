namespace LiquidMetal.Agent.Supervision;

/// <summary>
/// Wakes a loop. The loop takes <see cref="Current"/> before it measures, so a signal that
/// arrives while it decides still wakes its next wait: no signal is lost.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Current => Volatile.Read(ref _current).Task;

    public void Set() =>
        Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
