using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// A <see cref="FakeAgentPool"/> with a moment to act in: once, just before a pass observes the agents (another
/// reconciler's pass, say), and once on what it observed (an agent caught mid-change).
/// </summary>
internal sealed class HookedAgentPool(FakeAgentPool inner) : IAgentPool
{
    public Action? BeforeNextObserve { get; set; }

    public Func<IReadOnlyDictionary<string, ObservedHost>, IReadOnlyDictionary<string, ObservedHost>>? OnNextObserved { get; set; }

    public async Task<IReadOnlyDictionary<string, ObservedHost>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, CancellationToken cancellationToken)
    {
        if (BeforeNextObserve is { } before)
        {
            BeforeNextObserve = null;
            before();
        }

        var observed = await inner.ObserveAsync(hosts, cancellationToken);
        if (OnNextObserved is { } after)
        {
            OnNextObserved = null;
            return after(observed);
        }

        return observed;
    }

    public Task<IReadOnlyDictionary<string, ObservedHost>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, ObservedHost>? observed, CancellationToken cancellationToken) =>
        inner.ApplyAsync(hosts, revision, observed, cancellationToken);

    public Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken) => inner.WaitForChangeAsync(seen, cancellationToken);

    public void Retain(IEnumerable<string> endpoints) => inner.Retain(endpoints);

    public void Dispose()
    {
        // The inner pool belongs to the fleet.
    }
}
