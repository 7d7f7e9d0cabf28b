using Microsoft.Extensions.Time.Testing;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also shows which of its timers are waiting and for how long, so a test knows
/// what the code under test is waiting for before it moves time (time moves only when the test says).
/// </summary>
internal sealed class FakeClock() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
{
    private readonly Lock _lock = new();
    private readonly List<Waiting> _timers = [];

    /// <summary>How long from now each timer that has neither fired nor been disposed has still to wait.</summary>
    public IReadOnlyList<TimeSpan> Pending
    {
        get
        {
            var now = GetUtcNow();
            lock (_lock)
            {
                return [.. _timers.Where(t => !t.Done).Select(t => t.Due - now)];
            }
        }
    }

    /// <summary>How many timer callbacks have run.</summary>
    public int Fired
    {
        get
        {
            lock (_lock)
            {
                return _timers.Sum(t => t.Fired);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var waiting = new Waiting(DueAfter(dueTime), period);
        lock (_lock)
        {
            _timers.Add(waiting);
        }

        waiting.Inner = base.CreateTimer(s =>
        {
            lock (_lock)
            {
                waiting.Fired++;
                waiting.Done = waiting.Period == Timeout.InfiniteTimeSpan || waiting.Period == TimeSpan.Zero;
            }

            callback(s);
        }, state, dueTime, period);
        return new Handle(this, waiting);
    }

    private DateTimeOffset DueAfter(TimeSpan dueTime) => dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : GetUtcNow() + dueTime;

    private sealed class Waiting(DateTimeOffset due, TimeSpan period)
    {
        public DateTimeOffset Due { get; set; } = due;

        public TimeSpan Period { get; set; } = period;

        public ITimer? Inner { get; set; }

        public int Fired { get; set; }

        public bool Done { get; set; }
    }

    /// <summary>The timer handed out: changing or disposing it is recorded, so a cancelled wait is not pending.</summary>
    private sealed class Handle(FakeClock clock, Waiting waiting) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                (waiting.Due, waiting.Period, waiting.Done) = (clock.DueAfter(dueTime), period, false);
            }

            return waiting.Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (clock._lock)
            {
                waiting.Done = true;
            }

            waiting.Inner!.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
