namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>How the agent runs QEMU.</summary>
public sealed record QemuOptions
{
    /// <summary>The QEMU binary: a name looked up on PATH, or a path.</summary>
    public string Binary { get; init; } = "qemu-system-x86_64";

    public QemuAccel Accel { get; init; } = QemuAccel.Auto;

    /// <summary>How long a KVM probe guest gets to print its kernel banner.</summary>
    public TimeSpan KvmProbeTimeout { get; init; } = TimeSpan.FromSeconds(4);
}
