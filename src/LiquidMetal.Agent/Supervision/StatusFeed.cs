using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Supervision;

/// <summary>
/// The latest host status and its watchers. A slow watcher loses intermediate snapshots,
/// never the latest: status is level-triggered, the newest snapshot says all.
/// </summary>
internal sealed class StatusFeed
{
    private const int WatcherBuffer = 64;

    private readonly object _gate = new();
    private readonly List<Channel<HostStatus>> _watchers = [];
    private HostStatus _latest;

    public StatusFeed(HostStatus initial) => _latest = initial;

    public HostStatus Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>How many watchers are open now.</summary>
    public int Watchers
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Publishes a status built from <paramref name="build"/>, given the next revision; skipped when nothing but the revision would change.</summary>
    public void Publish(Func<long, HostStatus> build)
    {
        lock (_gate)
        {
            var next = build(_latest.Revision + 1);
            if (SameContent(next, _latest))
            {
                return;
            }

            _latest = next;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(next);
            }
        }
    }

    /// <summary>
    /// The current snapshot first, then every change until cancelled. With <paramref name="spacing"/>, snapshots are
    /// at least that far apart, and each is the newest when it is sent: a burst of changes (a host's VMs booting) is
    /// one snapshot per spacing, not one per change.
    /// </summary>
    public async IAsyncEnumerable<HostStatus> WatchAsync(TimeSpan spacing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<HostStatus>(new BoundedChannelOptions(WatcherBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            channel.Writer.TryWrite(_latest);
            _watchers.Add(channel);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                if (!channel.Reader.TryRead(out var status))
                {
                    continue;
                }

                while (spacing > TimeSpan.Zero && channel.Reader.TryRead(out var newer))
                {
                    status = newer;
                }

                yield return status;
                if (spacing > TimeSpan.Zero)
                {
                    await Task.Delay(spacing, cancellationToken);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Ends every watch (the agent core is shutting down).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
    }

    private static bool SameContent(HostStatus a, HostStatus b) =>
        a.ObservedGeneration == b.ObservedGeneration
        && a.Provider == b.Provider
        && a.Capacity == b.Capacity
        && a.Metal == b.Metal
        && a.Vms.Length == b.Vms.Length
        && a.Vms.Zip(b.Vms).All(pair => SameVm(pair.First, pair.Second));

    private static bool SameVm(VmStatus a, VmStatus b) =>
        a with { ProviderDetails = b.ProviderDetails } == b && a.ProviderDetails.SequenceEqual(b.ProviderDetails);
}
