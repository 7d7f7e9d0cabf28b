namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>Items kept in the order they came from another thread, and a wait for the first that matches.</summary>
internal sealed class Recording<T>
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(IEnumerable<T> items)
    {
        lock (_gate)
        {
            _items.AddRange(items);
            _added.TrySetResult();
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>The first item, from the start, that <paramref name="match"/> accepts; waits for it until cancelled.</summary>
    public async Task<T> FirstAsync(Func<T, bool> match, CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            Task added;
            lock (_gate)
            {
                for (; next < _items.Count; next++)
                {
                    if (match(_items[next]))
                    {
                        return _items[next];
                    }
                }

                added = _added.Task;
            }

            await added.WaitAsync(cancellationToken);
        }
    }
}
