using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>Every host's agent, as a pass uses them: ask what runs, bring hosts to their specs, wait for news.</summary>
public interface IAgentPool : IDisposable
{
    /// <summary>
    /// What every host's agent runs (no Apply): the last status its Watch stream sent, or its answer to GetStatus where
    /// no stream is open or <paramref name="ask"/> is set (a decision that must not rest on a silent host's last word).
    /// One down or slow host delays no other.
    /// </summary>
    Task<IReadOnlyDictionary<string, ObservedHost>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, bool ask, CancellationToken cancellationToken);

    /// <summary>
    /// Brings every host to its spec: an Apply, under the agent's next generation, only where the report in
    /// <paramref name="observed"/> (or a fresh one) shows another spec hash.
    /// </summary>
    Task<IReadOnlyDictionary<string, ObservedHost>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, ObservedHost>? observed, CancellationToken cancellationToken);

    /// <summary>
    /// Completes as soon as an agent (by endpoint) reports work in another state than <paramref name="seen"/> holds
    /// for it (<see cref="HostReport.Fingerprint"/>); otherwise it never completes and ends only by cancellation.
    /// </summary>
    Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken);

    /// <summary>
    /// Closes the connections to agents at any endpoint but these (hosts that left the fleet or moved), and keeps one
    /// Watch stream open to each of these, from which later passes read what the agents run. Called at the end of a
    /// pass: while a pass applies, the agents are not also streaming every VM's progress to it.
    /// </summary>
    void Retain(IEnumerable<string> endpoints);
}
