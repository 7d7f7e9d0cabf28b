using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace LiquidMetal.Agent;

/// <summary>
/// The agent's metrics (Meter "LiquidMetal.Agent"): VMs by state, their restarts and the Watch streams open, read from
/// each running agent when a reader collects; Apply calls by outcome and how long accepted ones took. Every value
/// carries the host's name, so one process with several agents (tests, benchmarks) reports each on its own.
/// </summary>
public static class AgentTelemetry
{
    public const string Name = "LiquidMetal.Agent";

    private static readonly Meter Meter = new(Name);

    private static readonly ConcurrentDictionary<HostAgentCore, string> Agents = new();

    public static readonly Counter<long> Applies = Meter.CreateCounter<long>("liquidmetal.agent.applies", description: "Apply calls, by outcome: accepted or refused");

    public static readonly Histogram<double> ApplyDuration = Meter.CreateHistogram<double>("liquidmetal.agent.apply.duration", unit: "s", description: "Time to accept an Apply (the VMs converge after it)");

    static AgentTelemetry()
    {
        Meter.CreateObservableGauge("liquidmetal.agent.vms", ObserveVms, description: "VMs by state");
        // A gauge, not a counter: it falls when a VM is removed or replaced (a new spec starts at 0 restarts).
        Meter.CreateObservableGauge("liquidmetal.agent.vm.restarts", ObserveRestarts, description: "Restarts of the VMs the agent runs now, summed");
        Meter.CreateObservableGauge("liquidmetal.agent.watchers", ObserveWatchers, description: "Watch streams open (a reconciler keeps one to each agent it reached)");
    }

    internal static void Track(HostAgentCore agent, string host) => Agents[agent] = host;

    internal static void Untrack(HostAgentCore agent) => Agents.TryRemove(agent, out _);

    private static IEnumerable<Measurement<long>> ObserveVms() =>
        Agents.SelectMany(agent => agent.Key.GetStatus().Vms
            .GroupBy(vm => vm.State)
            .Select(state => new Measurement<long>(state.Count(), new("host", agent.Value), new("state", state.Key.ToString()))));

    private static IEnumerable<Measurement<long>> ObserveRestarts() =>
        Agents.Select(agent => new Measurement<long>(agent.Key.GetStatus().Vms.Sum(vm => (long)vm.Restarts), new KeyValuePair<string, object?>("host", agent.Value)));

    private static IEnumerable<Measurement<long>> ObserveWatchers() =>
        Agents.Select(agent => new Measurement<long>(agent.Key.WatcherCount, new KeyValuePair<string, object?>("host", agent.Value)));
}
