using LiquidMetal.Agent.Providers.Firecracker;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Providers.Sim;

namespace LiquidMetal.Agent;

/// <summary>Settings of a host agent core, checked when it starts.</summary>
public sealed record HostAgentOptions
{
    /// <summary>Where desired and observed state, the lock and each VM's folder live.</summary>
    public required string StateDirectory { get; init; }

    public ProviderKind Provider { get; init; } = ProviderKind.Qemu;

    public QemuOptions Qemu { get; init; } = new();

    public FirecrackerOptions Firecracker { get; init; } = new();

    public SimOptions Sim { get; init; } = new();

    /// <summary>Folders kernels, initrds and root volumes may come from; a spec naming any other path is refused.</summary>
    public IReadOnlyList<string> ImageDirectories { get; init; } = [];

    /// <summary>How long a guest may take to print its ready marker before the VM is Failed.</summary>
    public TimeSpan BootDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a guest gets to power off before its VMM is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay before restarting a failed VM; it doubles with each failure in a row.</summary>
    public TimeSpan RestartBackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RestartBackoffMax { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A VM that ran this long before it failed restarts with the first backoff delay again.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Executable run once per metal assignment, with the user-data on stdin.</summary>
    public string? BootstrapHook { get; init; }

    /// <summary>Executable run when a metal assignment is released.</summary>
    public string? ResetHook { get; init; }

    public TimeSpan HookTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>CPUs to report; the machine's count when null.</summary>
    public int? CpuCapacity { get; init; }

    /// <summary>Memory the VMs may use; the machine's memory when null.</summary>
    public long? MemoryCapacityMiB { get; init; }

    /// <summary>The host bridge a NIC joins when its spec names none; such NICs stay unconnected when this is null too.</summary>
    public string? Bridge { get; init; }

    /// <summary>The host's name in the fleet: specs for another host are refused, and status reports it (the reconciler checks it).</summary>
    public string HostName { get; init; } = Environment.MachineName;
}
