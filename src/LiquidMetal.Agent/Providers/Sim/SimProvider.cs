using System.Collections.Concurrent;
using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Providers.Sim;

/// <summary>
/// A provider without processes, for load tests of many hosts on one machine and for trying
/// the system without a hypervisor. Simulated VMs live as long as this provider object.
/// </summary>
internal sealed class SimProvider(SimOptions options, TimeProvider time) : IVmProvider
{
    private readonly ConcurrentDictionary<string, SimInstance> _instances = new(StringComparer.Ordinal);

    public string Describe() => "sim";

    public Task<IVmInstance> StartAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        var instance = new SimInstance(launch, options.BootDelay, time);
        _instances[launch.Marker] = instance;
        return Task.FromResult<IVmInstance>(instance);
    }

    public IVmInstance? TryAdopt(VmLaunch launch, InstanceRecord? record) =>
        _instances.TryGetValue(launch.Marker, out var instance) && !instance.Exited.IsCompleted ? instance : null;

    /// <summary>Makes the simulated VMM of one VM exit, as a crash would; false when none runs.</summary>
    public bool Crash(string vmId, string description)
    {
        var suffix = $"/vms/{vmId}/";
        var running = _instances.Where(i => i.Key.EndsWith(suffix, StringComparison.Ordinal) && !i.Value.Exited.IsCompleted).ToArray();
        foreach (var (_, instance) in running)
        {
            instance.Crash(description);
        }

        return running.Length > 0;
    }
}
