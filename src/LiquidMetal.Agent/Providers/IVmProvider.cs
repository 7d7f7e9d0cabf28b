using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Providers;

/// <summary>A hypervisor adapter: starts VMMs, and finds the ones an earlier agent process started.</summary>
internal interface IVmProvider
{
    /// <summary>For the status: the provider and its details, e.g. "qemu (tcg)".</summary>
    string Describe();

    Task<IVmInstance> StartAsync(VmLaunch launch, CancellationToken cancellationToken);

    /// <summary>
    /// The VMM already running for this VM, if any: the recorded process when its identity
    /// still matches (pid, start time, command line), else any process whose command line
    /// names this VM's folder. Null when none runs.
    /// </summary>
    IVmInstance? TryAdopt(VmLaunch launch, InstanceRecord? record);
}
