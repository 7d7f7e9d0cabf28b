using LiquidMetal.Agent.Api;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>
/// Each agent's Watch stream, kept open across passes, and the last status it sent: a pass reads a host's status from
/// here instead of asking its agent, and the loop wakes when one changes. The agent sends its current status first and
/// then every change, never dropping the latest (a slow reader loses only snapshots in between), so while a stream is
/// open its last message is what a GetStatus would answer. A stream that fails or ends holds nothing until it is open
/// again (it retries with a growing delay); its host is then asked as before. After an Apply of generation g, a status
/// older than g is not taken: the stream's message saying so may still be on its way.
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
                if (Seen(endpoint) is { } now && now.Fingerprint != fingerprint)
                {
                    return;
                }
            }

            await news.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Closes every stream but those to <paramref name="keep"/>.</summary>
    public void Retain(IReadOnlySet<string> keep)
    {
        lock (_gate)
        {
            foreach (var endpoint in _watches.Keys.Where(e => !keep.Contains(e)).ToList())
            {
                _watches.Remove(endpoint, out var watch);
                watch!.Stop.Cancel();
            }
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

        return watch?.Latest;
    }

    private async Task RunAsync(Watch watch, Wire.HostAgent.HostAgentClient client, CancellationToken stop)
    {
        var delay = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var status in client.WatchAsync(stop))
                {
                    watch.Receive(new Snapshot(status));
                    delay = FirstRetry;
                    Interlocked.Exchange(ref _news, NewSignal()).TrySetResult();
                }
            }
            catch (Exception)
            {
                // Stopped, refused, the agent went away, or it sent what we cannot read: this stream holds nothing now.
            }

            watch.Receive(null);
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
    /// One status as it came. A host sends one per VM state change (dozens while its VMs boot) and a pass reads only
    /// the last: it is read into a <see cref="HostReport"/> only when asked for (by two threads at once, both get equal ones).
    /// </summary>
    private sealed class Snapshot(Wire.HostStatus status)
    {
        private HostReport? _report;
        private string? _fingerprint;

        public long Generation => status.ObservedGeneration;

        public HostReport Report => _report ??= WireReport.From(status);

        public string Fingerprint => _fingerprint ??= Report.Fingerprint();
    }

    private sealed class Watch
    {
        private Snapshot? _latest;
        private long _applied;

        public CancellationTokenSource Stop { get; } = new();

        public Snapshot? Latest
        {
            get
            {
                var latest = Volatile.Read(ref _latest);
                return latest is not null && latest.Generation >= Interlocked.Read(ref _applied) ? latest : null;
            }
        }

        public void Receive(Snapshot? latest) => Volatile.Write(ref _latest, latest);

        public void Applied(long generation)
        {
            var known = Interlocked.Read(ref _applied);
            while (generation > known && Interlocked.CompareExchange(ref _applied, generation, known) is var seen && seen != known)
            {
                known = seen;
            }
        }
    }
}
