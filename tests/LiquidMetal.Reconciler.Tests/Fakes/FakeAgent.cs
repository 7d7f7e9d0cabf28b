using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// One host's agent in memory, as an agent behaves: an Apply replaces the VMs whose spec changed (they start in
/// <see cref="FakeAgentPool.BootTo"/>), keeps the others as they run, and removes what the spec no longer names.
/// </summary>
internal sealed class FakeAgent(string host, Action changed)
{
    private readonly Lock _lock = new();
    private ImmutableSortedDictionary<string, VmReport> _vms = ImmutableSortedDictionary.Create<string, VmReport>(StringComparer.Ordinal);
    private MetalReport? _metal;
    private string _specHash = string.Empty;
    private long _generation;
    private Resources? _allocated;
    private volatile bool _down;

    public string Host => host;

    /// <summary>What the agent says its machine offers: fleet-example's figures for a sled unless a test says otherwise.</summary>
    public Resources Capacity { get; set; } = new(32, 98304);

    /// <summary>When set, the agent answers GetStatus but refuses every Apply (out of capacity, a full disk).</summary>
    public string? RefusesApplies { get; set; }

    /// <summary>A down agent answers nothing (and its Watch says nothing).</summary>
    public bool Down
    {
        get => _down;
        set
        {
            _down = value;
            changed();
        }
    }

    public long Generation => Report().ObservedGeneration;

    public ImmutableArray<VmReport> Vms => Report().Vms;

    public MetalReport? Metal => Report().Metal;

    public HostReport Report()
    {
        lock (_lock)
        {
            return new HostReport(host, _generation, _specHash, Capacity, _allocated, [.. _vms.Values], _metal);
        }
    }

    public void Apply(RenderedHost spec, VmPhase bootTo)
    {
        lock (_lock)
        {
            _vms = spec.Microvms.ToImmutableSortedDictionary(
                vm => vm.Id,
                vm => _vms.TryGetValue(vm.Id, out var runs) && runs.Hash == vm.Hash ? runs : new VmReport(vm.Id, vm.Cluster, vm.Hash, bootTo, string.Empty, null, 0),
                StringComparer.Ordinal);
            _metal = spec.Metal is not { } metal ? null
                : _metal is { } claimed && claimed.Hash == metal.Hash ? claimed
                : new MetalReport(metal.Node, metal.Hash, bootTo == VmPhase.Running ? MetalPhase.Ready : MetalPhase.Bootstrapping, string.Empty, null);
            _specHash = spec.SpecHash;
            _allocated = spec.Allocated;
            _generation++;
        }

        changed();
    }

    /// <summary>Puts one VM in <paramref name="phase"/> (it booted, crashed, or is being replaced).</summary>
    public void Set(string vm, VmPhase phase, string reason = "")
    {
        lock (_lock)
        {
            _vms = _vms.SetItem(vm, _vms[vm] with { Phase = phase, Reason = reason });
        }

        changed();
    }

    /// <summary>Someone else told the agent to run nothing: drift the reconciler did not cause.</summary>
    public void RunNothing()
    {
        lock (_lock)
        {
            (_vms, _metal, _specHash, _allocated) = (_vms.Clear(), null, "cleared by hand", null);
            _generation++;
        }

        changed();
    }

    /// <summary>Every VM up and the metal claim ready; <paramref name="quietly"/> leaves telling the pool to the caller.</summary>
    public void BootAll(bool quietly = false)
    {
        lock (_lock)
        {
            _vms = _vms.ToImmutableSortedDictionary(v => v.Key, v => v.Value with { Phase = VmPhase.Running }, StringComparer.Ordinal);
            _metal = _metal is null ? null : _metal with { Phase = MetalPhase.Ready };
        }

        if (!quietly)
        {
            changed();
        }
    }
}
