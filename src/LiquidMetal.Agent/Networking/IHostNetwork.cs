using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Networking;

/// <summary>What a VM needs from the host's network around its VMM's life: taps made before it starts, removed after it ends.</summary>
internal interface IHostNetwork
{
    /// <summary>Makes the VM's taps on their bridges, all or none.</summary>
    /// <exception cref="HostNetworkException">The host lacks what the spec asks for (a bridge, VLAN filtering); nothing is left behind.</exception>
    Task PrepareAsync(VmSpec spec, CancellationToken cancellationToken);

    /// <summary>Removes the taps this agent made for the VM, except any a VMM still holds. Never throws: problems are logged.</summary>
    Task ReleaseAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>At agent start: removes this agent's taps of VMs it no longer knows (gone while the agent was down).</summary>
    Task SweepAsync(IReadOnlySet<string> knownVmIds, CancellationToken cancellationToken);
}
