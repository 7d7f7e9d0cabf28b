using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>An agent's status message as the reconciler's own <see cref="HostReport"/>: the only place that reads the wire's types.</summary>
internal static class WireReport
{
    public static HostReport From(Wire.HostStatus status) => new(
        status.Host,
        status.ObservedGeneration,
        status.SpecHash,
        status.Capacity is { } capacity ? new Resources(capacity.Cpu, capacity.MemoryMib) : null,
        status.Allocated is { } allocated ? new Resources(allocated.Cpu, allocated.MemoryMib) : null,
        [.. status.Vms.Select(vm => new VmReport(vm.Id, vm.Cluster, vm.Hash, Phase(vm.State), vm.Reason, vm.Since?.ToDateTimeOffset(), vm.Restarts))],
        status.Metal is { } metal ? new MetalReport(metal.Node, metal.Hash, Phase(metal.State), metal.Reason, metal.Since?.ToDateTimeOffset()) : null);

    private static VmPhase Phase(Wire.VmState state) => state switch
    {
        Wire.VmState.Pending => VmPhase.Pending,
        Wire.VmState.Creating => VmPhase.Creating,
        Wire.VmState.Running => VmPhase.Running,
        Wire.VmState.Failed => VmPhase.Failed,
        Wire.VmState.Deleting => VmPhase.Deleting,
        _ => VmPhase.Unknown,
    };

    private static MetalPhase Phase(Wire.MetalState state) => state switch
    {
        Wire.MetalState.Bootstrapping => MetalPhase.Bootstrapping,
        Wire.MetalState.Ready => MetalPhase.Ready,
        Wire.MetalState.Failed => MetalPhase.Failed,
        Wire.MetalState.Resetting => MetalPhase.Resetting,
        _ => MetalPhase.Pending,
    };
}
