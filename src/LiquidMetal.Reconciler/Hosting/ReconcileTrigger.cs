namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// Wakes the reconcile loop. Requests that arrive while a reconcile runs coalesce into exactly one
/// more run: a burst of webhooks and polls never queues a burst of reconciles.
/// </summary>
public sealed class ReconcileTrigger
{
    private readonly Lock _lock = new();
    private readonly List<string> _reasons = [];
    private TaskCompletionSource _signal = NewSignal();

    /// <summary>Asks for a reconcile; cheap and safe from any thread.</summary>
    public void Request(string reason)
    {
        lock (_lock)
        {
            if (!_reasons.Contains(reason, StringComparer.Ordinal))
            {
                _reasons.Add(reason);
            }

            _signal.TrySetResult();
        }
    }

    /// <summary>Waits for at least one request and returns every reason gathered since the last call.</summary>
    public async Task<IReadOnlyList<string>> WaitAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_lock)
        {
            signal = _signal.Task;
        }

        await signal.WaitAsync(cancellationToken);
        lock (_lock)
        {
            var reasons = _reasons.ToList();
            _reasons.Clear();
            _signal = NewSignal();
            return reasons;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
