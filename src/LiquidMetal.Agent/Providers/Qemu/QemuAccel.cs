namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>QEMU's accelerator: hardware virtualization, software emulation, or probe and fall back.</summary>
public enum QemuAccel
{
    /// <summary>Boot a probe guest under KVM; use TCG when it does not print within the probe timeout.</summary>
    Auto,

    Kvm,

    Tcg,
}
