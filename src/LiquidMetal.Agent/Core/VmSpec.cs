using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core;

/// <summary>One microVM the host must run, as the reconciler rendered it. VMs are immutable: a changed spec replaces the VM.</summary>
public sealed record VmSpec
{
    /// <summary>Unique on the host; a DNS label, because it names the VM's folder and its VMM process.</summary>
    public required string Id { get; init; }

    public string Cluster { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    public required int Vcpu { get; init; }

    public required long MemoryMiB { get; init; }

    /// <summary>Absolute path of the kernel image; must lie under one of the agent's image folders.</summary>
    public required string Kernel { get; init; }

    public string? Initrd { get; init; }

    public string? RootVolume { get; init; }

    /// <summary>Extra kernel command line, appended after the agent's own arguments.</summary>
    public string KernelArgs { get; init; } = string.Empty;

    /// <summary>Bootstrap data handed to the guest: in its NoCloud cidata volume, and through fw_cfg (QEMU) or MMDS (Firecracker).</summary>
    public string UserData { get; init; } = string.Empty;

    /// <summary>The reconciler's hash of this spec; when empty the agent hashes the spec itself.</summary>
    public string ContentHash { get; init; } = string.Empty;

    /// <summary>The VM's network cards in guest order; each gets its own tap on the host.</summary>
    public ImmutableArray<VmNic> Nics { get; init; } = [];

    public ImmutableSortedDictionary<string, string> Metadata { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
