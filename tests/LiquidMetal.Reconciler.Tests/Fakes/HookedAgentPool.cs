using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// A <see cref="FakeAgentPool"/> with a moment to act in: once, just before a pass observes the agents (another
/// reconciler's pass, say), and on what that pass observed (an agent caught mid-change), also when it asks again
/// before it applies (the agents answer the same until then).
/// </summary>
internal sealed class HookedAgentPool(FakeAgentPool inner) : IAgentPool
{
    public Action? BeforeNextObserve { get; set; }

    public Func<IReadOnlyDictionary<string, ObservedHost>, IReadOnlyDictionary<string, ObservedHost>>? OnNextObserved { get; set; }

    public async Task<IReadOnlyDictionary<string, ObservedHost>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, bool ask, CancellationToken cancellationToken)
    {
        if (BeforeNextObserve is { } before)
        {
            BeforeNextObserve = null;
            before();
        }

        var observed = await inner.ObserveAsync(hosts, ask, cancellationToken);
        return OnNextObserved is { } after ? after(observed) : observed;
    }

    public Task<IReadOnlyDictionary<string, ObservedHost>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, ObservedHost>? observed, CancellationToken cancellationToken)
    {
        OnNextObserved = null;
        return inner.ApplyAsync(hosts, revision, observed, cancellationToken);
    }

    public Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken) => inner.WaitForChangeAsync(seen, cancellationToken);

    public void Retain(IEnumerable<string> endpoints) => inner.Retain(endpoints);

    public void Dispose()
    {
        // The inner pool belongs to the fleet.
    }
}
