using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>A host's nodes counted: how many in each state (indexed by <see cref="MapState"/>), how many VMs, and their vCPU and memory together.</summary>
public sealed record MapTally(ImmutableArray<int> States, int Vms, Resources Placed)
{
    public static MapTally Empty { get; } = new([0, 0, 0, 0, 0], 0, Resources.Zero);

    /// <summary>The tally of these VMs and (as a node, taking no VM room) this metal claim.</summary>
    public static MapTally Of(IEnumerable<MapVm> vms, MapVm? metal)
    {
        var states = new int[Enum.GetValues<MapState>().Length];
        var count = 0;
        var placed = Resources.Zero;
        foreach (var vm in vms)
        {
            states[(int)vm.Look]++;
            count++;
            placed += new Resources(vm.Vcpu, vm.MemoryMiB);
        }

        if (metal is not null)
        {
            states[(int)metal.Look]++;
        }

        return new MapTally([.. states], count, placed);
    }

    /// <summary>How many nodes are in <paramref name="state"/>.</summary>
    public int this[MapState state] => States[(int)state];

    /// <summary>Every node, VMs and a metal claim.</summary>
    public int Nodes => States.Sum();
}
