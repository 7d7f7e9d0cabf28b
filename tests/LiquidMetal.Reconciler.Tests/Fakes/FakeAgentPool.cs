using System.Collections.Concurrent;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Rollout;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// The hosts' agents in memory, by endpoint, answering as <see cref="GrpcAgentPool"/> does: a down agent or one that is
/// another host is an error for that host only; an Apply goes only where the spec hash differs, and is refused where its
/// VMs need more memory together than the agent offers, as a real agent refuses it. It records every call.
/// </summary>
internal sealed class FakeAgentPool : IAgentPool
{
    private readonly ConcurrentDictionary<string, FakeAgent> _agents = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Host, string Revision)> _applies = new();
    private readonly ConcurrentQueue<string> _observed = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waits;
    private int _asks;
    private int _watching;

    /// <summary>The phase a VM of an Apply starts in: Running (boots at once), or Creating (boots when a test says).</summary>
    public VmPhase BootTo { get; set; } = VmPhase.Running;

    /// <summary>
    /// When set, every WaitForChangeAsync returns at once, as with an agent whose Watch stream keeps sending news that
    /// never settles (a flapping VM): the pass it wakes finds nothing it can make better.
    /// </summary>
    public bool NewsNeverStops { get; set; }

    /// <summary>ObserveAsync calls that said to ask every agent (not read their streams).</summary>
    public int Asks => Volatile.Read(ref _asks);

    /// <summary>The hosts each ObserveAsync was asked about, in order.</summary>
    public IReadOnlyList<string> Observed => [.. _observed];

    /// <summary>Each Apply an agent accepted: its host and the fleet revision.</summary>
    public IReadOnlyList<(string Host, string Revision)> Applies => [.. _applies];

    /// <summary>WaitForChangeAsync calls.</summary>
    public int Waits => Volatile.Read(ref _waits);

    /// <summary>WaitForChangeAsync calls parked until an agent changes: they have seen nothing new so far.</summary>
    public int Watching => Volatile.Read(ref _watching);

    /// <summary>The endpoints the last pass kept connections to.</summary>
    public IReadOnlySet<string>? Retained { get; private set; }

    public IEnumerable<FakeAgent> Agents => _agents.Values;

    /// <summary>The agent that serves <paramref name="host"/>.</summary>
    public FakeAgent this[string host] => _agents.Values.Single(a => a.Host == host);

    /// <summary>Starts an agent for <paramref name="host"/> at <paramref name="endpoint"/>.</summary>
    public FakeAgent Add(string host, string endpoint) => _agents[DepartedHosts.Endpoint(endpoint)] = new FakeAgent(host, Changed);

    /// <summary>Every agent's VMs come up at once: one change for a watcher, not one per host.</summary>
    public void BootAll()
    {
        foreach (var agent in _agents.Values)
        {
            agent.BootAll(quietly: true);
        }

        Changed();
    }

    public Task<IReadOnlyDictionary<string, ObservedHost>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, bool ask, CancellationToken cancellationToken)
    {
        foreach (var host in hosts)
        {
            _observed.Enqueue(host.Host);
        }

        if (ask)
        {
            Interlocked.Increment(ref _asks);
        }

        return Task.FromResult<IReadOnlyDictionary<string, ObservedHost>>(hosts.ToDictionary(h => h.Host, h => Ask(h, out _), StringComparer.Ordinal));
    }

    public Task<IReadOnlyDictionary<string, ObservedHost>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, ObservedHost>? observed, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ObservedHost>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            var observation = Ask(host, out var agent);
            var memory = host.Microvms.Sum(vm => vm.MemoryMiB);
            if (agent?.RefusesApplies is { } refusal && observation.Report is { } refused && refused.SpecHash != host.SpecHash)
            {
                observation = new ObservedHost(host.Host, null, $"agent refused: ResourceExhausted: {refusal}", Applied: false) { Offered = refused.Capacity };
            }
            else if (agent is not null && observation.Report is { } tooBig && tooBig.SpecHash != host.SpecHash && memory > agent.Capacity.MemoryMiB)
            {
                // As the agent's DesiredStateValidator refuses it: memory is never overcommitted, vCPUs are never counted.
                observation = new ObservedHost(host.Host, null, $"agent refused: InvalidArgument: desired state refused: the VMs need {memory} MiB of memory together but the host offers {agent.Capacity.MemoryMiB} MiB; memory is never overcommitted", Applied: false)
                {
                    Offered = tooBig.Capacity,
                };
            }
            else if (agent is not null && observation.Report is { } report && report.SpecHash != host.SpecHash)
            {
                agent.Apply(host, BootTo);
                _applies.Enqueue((host.Host, revision));
                observation = new ObservedHost(host.Host, agent.Report(), null, Applied: true);
            }

            result[host.Host] = observation;
        }

        return Task.FromResult<IReadOnlyDictionary<string, ObservedHost>>(result);
    }

    public async Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waits);
        if (NewsNeverStops)
        {
            return;
        }

        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
            }

            // Like a Watch stream, whose first message is the current status: a change before this call counts.
            if (seen.Any(s => _agents.TryGetValue(s.Key, out var agent) && !agent.Down && agent.Report().Fingerprint() != s.Value))
            {
                return;
            }

            Interlocked.Increment(ref _watching);
            try
            {
                await changed.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _watching);
            }
        }
    }

    public void Retain(IEnumerable<string> endpoints) => Retained = endpoints.ToHashSet(StringComparer.Ordinal);

    public void Dispose()
    {
        // No connections to close.
    }

    private ObservedHost Ask(RenderedHost host, out FakeAgent? reached)
    {
        reached = null;
        if (!_agents.TryGetValue(DepartedHosts.Endpoint(host.AgentEndpoint), out var agent) || agent.Down)
        {
            return new ObservedHost(host.Host, null, $"agent at {host.AgentEndpoint} unreachable: Unavailable: connection refused", Applied: false);
        }

        if (agent.Host != host.Host)
        {
            return new ObservedHost(host.Host, null, $"the agent at {host.AgentEndpoint} is host {agent.Host}, not {host.Host}", Applied: false);
        }

        reached = agent;
        return new ObservedHost(host.Host, agent.Report(), null, Applied: false);
    }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
