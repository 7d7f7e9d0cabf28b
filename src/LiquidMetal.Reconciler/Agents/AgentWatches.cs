using System.Diagnostics;
using LiquidMetal.Agent.Api;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>
/// Each agent's Watch stream, kept open across passes, and the last status it sent: a pass reads a host's status from
/// here instead of asking its agent, and the loop wakes when one changes. The agent sends its current status first and
/// then its changes, the newest at most every 100 ms, so while a stream is open its last message is what a GetStatus
/// would have answered at most ~100 ms before. A stream that fails or ends holds nothing until it is open again (it
/// retries with a growing delay); its host is then asked as before. A host that goes silent without closing the
/// connection (power lost, a link that drops everything) is noticed by HTTP/2 keep-alive pings
/// (<see cref="AgentClientOptions.KeepAlivePingDelay"/> plus its timeout); decisions that must not wait that long ask.
/// After an Apply of generation g, a status older than g is not taken from the stream open then: its message saying
/// so may still be on its way. A status that cannot be read counts as none.
/// </summary>
internal sealed class AgentWatches(TimeProvider time) : IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private TaskCompletionSource _news = NewSignal();
    private bool _disposed;

    /// <summary>The status the open stream at <paramref name="endpoint"/> last sent; null when none is open or it is older than an Apply this pool made.</summary>
    public HostReport? Current(string endpoint) => Seen(endpoint)?.Report;

    /// <summary>Opens the stream to <paramref name="endpoint"/> unless it is open or opening.</summary>
    public void Ensure(string endpoint, Func<Wire.HostAgent.HostAgentClient> client)
    {
        lock (_gate)
        {
            if (_disposed || _watches.ContainsKey(endpoint))
            {
                return;
            }

            var watch = new Watch();
            _watches.Add(endpoint, watch);
            _ = RunAsync(watch, client(), watch.Stop.Token);
        }
    }

    /// <summary>How many streams are open or opening.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>The agent at <paramref name="endpoint"/> accepted generation <paramref name="generation"/>: no status from before it counts.</summary>
    public void Applied(string endpoint, long generation)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(endpoint, out var watch))
            {
                watch.Applied(generation);
            }
        }
    }

    /// <summary>
    /// Completes when an open stream's last status differs from <paramref name="seen"/> (fingerprints by endpoint);
    /// endpoints not in it, and streams not open, are not news.
    /// </summary>
    public async Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            var news = Volatile.Read(ref _news).Task; // taken before looking, so a change in between still wakes this
            foreach (var (endpoint, fingerprint) in seen)
            {
                if (Seen(endpoint)?.Fingerprint is { } now && now != fingerprint)
                {
                    return;
                }
            }

            await news.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Closes every stream but those to <paramref name="keep"/>, and opens those not open yet.</summary>
    public void Retain(IReadOnlySet<string> keep, Func<string, Wire.HostAgent.HostAgentClient> client)
    {
        lock (_gate)
        {
            foreach (var endpoint in _watches.Keys.Where(e => !keep.Contains(e)).ToList())
            {
                _watches.Remove(endpoint, out var watch);
                watch!.Stop.Cancel();
            }
        }

        foreach (var endpoint in keep)
        {
            Ensure(endpoint, () => client(endpoint));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var watch in _watches.Values)
            {
                watch.Stop.Cancel();
            }

            _watches.Clear();
        }
    }

    private Snapshot? Seen(string endpoint)
    {
        Watch? watch;
        lock (_gate)
        {
            watch = _watches.GetValueOrDefault(endpoint);
        }

        return watch?.Latest is { Report: not null } latest ? latest : null;
    }

    private async Task RunAsync(Watch watch, Wire.HostAgent.HostAgentClient client, CancellationToken stop)
    {
        var delay = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var opened = Stopwatch.GetTimestamp();
                var first = true;
                await foreach (var status in client.WatchAsync(stop))
                {
                    watch.Receive(new Snapshot(status), first ? opened : null);
                    first = false;
                    delay = FirstRetry;
                    Interlocked.Exchange(ref _news, NewSignal()).TrySetResult();
                }
            }
            catch (Exception)
            {
                // Stopped, refused, or the agent went away: this stream holds nothing now.
            }

            watch.Closed();
            try
            {
                await Task.Delay(delay, time, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// One status as it came. A host sends one per burst of VM state changes and a pass reads only the last: it is read
    /// into a <see cref="HostReport"/> only when asked for (by two threads at once, both get equal ones); one that
    /// cannot be read (a timestamp out of range) is null, so its host is asked instead.
    /// </summary>
    private sealed class Snapshot(Wire.HostStatus status)
    {
        private HostReport? _report;
        private bool _unreadable;

        public long Generation => status.ObservedGeneration;

        public HostReport? Report
        {
            get
            {
                if (_report is null && !_unreadable)
                {
                    try
                    {
                        _report = WireReport.From(status);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
                    {
                        _unreadable = true;
                    }
                }

                return _report;
            }
        }

        public string? Fingerprint => Report?.Fingerprint();
    }

    private sealed class Watch
    {
        private readonly Lock _gate = new();
        private Snapshot? _latest;
        private long _applied;
        private long _appliedAt;

        public CancellationTokenSource Stop { get; } = new();

        public Snapshot? Latest
        {
            get
            {
                lock (_gate)
                {
                    return _latest is not null && _latest.Generation >= _applied ? _latest : null;
                }
            }
        }

        /// <param name="opened">For a stream's first message: when the stream was opened. An Apply accepted before
        /// that is in this status, whatever its generation (an agent whose state was lost starts again lower).</param>
        public void Receive(Snapshot latest, long? opened)
        {
            lock (_gate)
            {
                if (opened is { } at && _appliedAt < at)
                {
                    _applied = 0;
                }

                _latest = latest;
            }
        }

        public void Closed()
        {
            lock (_gate)
            {
                _latest = null;
            }
        }

        public void Applied(long generation)
        {
            lock (_gate)
            {
                _applied = Math.Max(_applied, generation);
                _appliedAt = Stopwatch.GetTimestamp();
            }
        }
    }
}
