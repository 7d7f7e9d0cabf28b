using System.Globalization;
using System.Text;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Core;
using LiquidMetal.Reconciler.Rollout;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Every change of every control-plane VM as its agent published it. Read from the agents' own feeds rather than by
/// polling, so a replacement shorter than a poll (sim VMs boot in 30 ms; a test process on two busy cores may not run
/// for longer than that) is still seen, and each change carries the agent's time of the transition (its
/// <see cref="VmStatus.Since"/>): down spans are measured where they happened, not where a reader noticed them.
/// A host whose revisions skip (a snapshot lost to a slow reader) is listed in <see cref="Gaps"/>.
/// </summary>
internal sealed class ControlPlaneWatch : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Recording<Change> _changes = new();
    private readonly List<string> _gaps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];

    private ControlPlaneWatch()
    {
    }

    /// <summary>One control plane's state on one host; <see cref="State"/> null: it is gone from that host.</summary>
    public sealed record Change(string Host, string Id, string Cluster, VmState? State, string Hash, DateTimeOffset At)
    {
        public override string ToString() => $"{Time(At)} agent {Host}: {Id} {State?.ToString() ?? "gone"} {(Hash.Length > 19 ? Hash[..19] : Hash)}";
    }

    /// <summary>A span in which a control plane that had been up was not.</summary>
    public sealed record Down(string Host, string Id, string Cluster, DateTimeOffset From, DateTimeOffset? To);

    public IReadOnlyList<string> Gaps
    {
        get
        {
            lock (_gate)
            {
                return [.. _gaps];
            }
        }
    }

    /// <summary>Watches every agent; returns once each has given its current status, so no later change is missed.</summary>
    public static async Task<ControlPlaneWatch> StartAsync(FleetUnderTest fleet)
    {
        var watch = new ControlPlaneWatch();
        var first = new List<Task>();
        foreach (var (host, agent) in fleet.Agents)
        {
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            first.Add(subscribed.Task);
            watch._readers.Add(Task.Run(() => watch.ReadAsync(host, agent.Core, subscribed)));
        }

        await Task.WhenAll(first).WaitAsync(TimeSpan.FromSeconds(30));
        return watch;
    }

    /// <summary>The first change (since the watch began) that <paramref name="match"/> accepts.</summary>
    public async Task<Change> WaitForAsync(Func<Change, bool> match, TimeSpan timeout, string what)
    {
        using var expired = new CancellationTokenSource(timeout);
        try
        {
            return await _changes.FirstAsync(match, expired.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no {what} within {timeout.TotalSeconds:0} s:\n{Timeline()}");
            throw;
        }
    }

    /// <summary>
    /// Each span in which a control plane that had been <paramref name="up"/> was not, until it was up again (To null:
    /// still down). A control plane that never was up (being created) is not down.
    /// </summary>
    public IReadOnlyList<Down> DownSpans(Func<Change, bool> up)
    {
        var spans = new List<Down>();
        foreach (var vm in Snapshot().GroupBy(c => (c.Host, c.Id)))
        {
            var wasUp = false;
            Change? wentDown = null;
            foreach (var change in vm)
            {
                var isUp = change.State is not null && up(change);
                if (wasUp && !isUp)
                {
                    wentDown = change;
                }
                else if (isUp && wentDown is not null)
                {
                    spans.Add(new Down(vm.Key.Host, vm.Key.Id, wentDown.Cluster, wentDown.At, change.At));
                    wentDown = null;
                }

                wasUp = isUp;
            }

            if (wentDown is not null)
            {
                spans.Add(new Down(vm.Key.Host, vm.Key.Id, wentDown.Cluster, wentDown.At, null));
            }
        }

        return spans;
    }

    /// <summary>Every two down spans of different control planes of one cluster that meet, for people to read.</summary>
    public IReadOnlyList<string> Overlaps(Func<Change, bool> up)
    {
        var overlaps = new List<string>();
        foreach (var cluster in DownSpans(up).GroupBy(d => d.Cluster))
        {
            var spans = cluster.ToList();
            for (var i = 0; i < spans.Count; i++)
            {
                for (var j = i + 1; j < spans.Count; j++)
                {
                    var (a, b) = (spans[i], spans[j]);
                    if ((a.Host, a.Id) != (b.Host, b.Id) && a.From < (b.To ?? DateTimeOffset.MaxValue) && b.From < (a.To ?? DateTimeOffset.MaxValue))
                    {
                        overlaps.Add($"{cluster.Key}: {Describe(a)} and {Describe(b)}");
                    }
                }
            }
        }

        return overlaps;
    }

    /// <summary>Every change in the order each host published it, one a line with the agent's time.</summary>
    public string Timeline()
    {
        var text = new StringBuilder();
        foreach (var change in Snapshot().OrderBy(c => c.At))
        {
            text.Append(change).Append('\n');
        }

        return text.ToString();
    }

    public IReadOnlyList<Change> Snapshot() => _changes.Snapshot();

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers);
        _stop.Dispose();
    }

    private static string Describe(Down d) => $"{d.Id} on {d.Host} down {Time(d.From)}-{(d.To is { } to ? Time(to) : "end")}";

    private async Task ReadAsync(string host, HostAgentCore core, TaskCompletionSource subscribed)
    {
        long? revision = null;
        var last = new Dictionary<string, Change>(StringComparer.Ordinal);
        try
        {
            await foreach (var status in core.WatchAsync(_stop.Token))
            {
                var now = DateTimeOffset.UtcNow;
                var present = status.Vms.Where(vm => vm.Role == RolloutPlanner.ControlPlaneRole)
                    .Select(vm => new Change(host, vm.Id, vm.Cluster, vm.State, vm.Hash, vm.Since)).ToList();
                var gone = last.Values.Where(c => c.State is not null && present.All(p => p.Id != c.Id)).Select(c => c with { State = null, At = now }).ToList();
                if (revision is { } before && status.Revision != before + 1)
                {
                    lock (_gate)
                    {
                        _gaps.Add($"{host}: revision {before} then {status.Revision}");
                    }
                }

                revision = status.Revision;
                var changes = present.Concat(gone).Where(c => last.GetValueOrDefault(c.Id) != c).ToList();
                foreach (var change in changes)
                {
                    last[change.Id] = change;
                }

                _changes.Add(changes);
                subscribed.TrySetResult();
            }
        }
        catch (OperationCanceledException)
        {
            // The watch ended.
        }
    }
}
