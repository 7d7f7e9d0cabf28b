namespace LiquidMetal.Agent;

/// <summary>Which hypervisor adapter the agent uses.</summary>
public enum ProviderKind
{
    /// <summary>QEMU's microvm machine: runs wherever QEMU does (KVM or software emulation).</summary>
    Qemu,

    /// <summary>Firecracker, where its binary is installed.</summary>
    Firecracker,

    /// <summary>No processes at all: simulated VMs for load tests.</summary>
    Sim,
}
