using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Networking;

/// <summary>For the simulator: its VMs have no devices on the host, so there is nothing to make or remove.</summary>
internal sealed class NoHostNetwork : IHostNetwork
{
    public static readonly NoHostNetwork Instance = new();

    public Task PrepareAsync(VmSpec spec, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseAsync(string vmId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SweepAsync(IReadOnlySet<string> knownVmIds, CancellationToken cancellationToken) => Task.CompletedTask;
}
