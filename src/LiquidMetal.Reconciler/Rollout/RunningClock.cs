using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler.Rollout;

/// <summary>
/// How long each VM has been running its current spec as far as this reconciler has seen, without a break: a VM not
/// running (or running another spec) in a pass starts over. Measured on the reconciler's clock, so an agent's clock
/// that is off cannot settle a control plane early or hold a rollout for hours.
/// </summary>
public sealed class RunningClock(TimeProvider time)
{
    private Dictionary<string, (string Hash, DateTimeOffset Since)> _seen = new(StringComparer.Ordinal);

    /// <summary>Records what this pass saw and returns, for each running VM, how long it has run without a break.</summary>
    public Dictionary<string, TimeSpan> Observe(IReadOnlyDictionary<string, ObservedHost> observed)
    {
        var now = time.GetUtcNow();
        var seen = new Dictionary<string, (string Hash, DateTimeOffset Since)>(StringComparer.Ordinal);
        foreach (var vm in observed.Values.SelectMany(o => o.Report?.Vms ?? []).Where(vm => vm.Phase == VmPhase.Running))
        {
            seen[vm.Id] = _seen.TryGetValue(vm.Id, out var before) && before.Hash == vm.Hash ? before : (vm.Hash, now);
        }

        _seen = seen;
        return seen.ToDictionary(v => v.Key, v => now - v.Value.Since, StringComparer.Ordinal);
    }
}
