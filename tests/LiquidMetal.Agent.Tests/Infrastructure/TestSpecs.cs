using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Small VM specs for tests.</summary>
internal static class TestSpecs
{
    public static VmSpec Vm(string id, string kernel = "/images/vmlinuz", string? initrd = "/images/initrd", string userData = "") => new()
    {
        Id = id,
        Cluster = "test",
        Role = "worker",
        Vcpu = 1,
        MemoryMiB = 256,
        Kernel = kernel,
        Initrd = initrd,
        UserData = userData,
    };

    public static VmSpec GuestVm(string id, string userData = "") =>
        Vm(id, GuestImage.Get().Kernel, GuestImage.Get().Initrd, userData);

    public static HostDesiredState Desired(long generation, params VmSpec[] vms) => new() { Generation = generation, Vms = [.. vms] };
}
