using LiquidMetal.Reconciler.Leadership;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>Leadership a test hands out and takes back, and that counts who waits for it.</summary>
internal sealed class ManualLeadership : ILeadership
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<LeaderTerm> _next = New();
    private CancellationTokenSource? _term;
    private long _terms;
    private int _waits;

    /// <summary>How often the loop has asked for the lead.</summary>
    public int Waits => Volatile.Read(ref _waits);

    public LeadershipView View
    {
        get
        {
            lock (_lock)
            {
                return new LeadershipView(_term is not null, _term is not null ? "me" : "other");
            }
        }
    }

    public Task<LeaderTerm> WaitToLeadAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waits);
        lock (_lock)
        {
            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    public void Lead()
    {
        lock (_lock)
        {
            _term = new CancellationTokenSource();
            _next.SetResult(new LeaderTerm(++_terms, _term.Token));
        }
    }

    public void Lose()
    {
        CancellationTokenSource ended;
        lock (_lock)
        {
            (ended, _term) = (_term!, null);
            _next = New();
        }

        ended.Cancel();
    }

    private static TaskCompletionSource<LeaderTerm> New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
