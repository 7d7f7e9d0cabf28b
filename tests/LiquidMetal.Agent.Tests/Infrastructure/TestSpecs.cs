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

    public static VmNic Nic(string name, string mac, string tap) => new() { Name = name, Mac = mac, Tap = tap };

    /// <summary>A NIC as the reconciler renders one on a fleet network: static IPv4 and IPv6, gateways, DNS.</summary>
    public static VmNic StaticNic(string name, string mac, string tap, string bridge = "", int vlan = 0) => new()
    {
        Name = name,
        Mac = mac,
        Tap = tap,
        Network = "lab",
        Bridge = bridge,
        Vlan = vlan,
        Addresses = ["10.20.1.101/24", "fd00:20::101/64"],
        Gateway4 = "10.20.1.1",
        Gateway6 = "fd00:20::1",
        Nameservers = ["10.20.1.53", "fd00:20::53"],
        SearchDomains = ["lab.example", "example"],
    };

    public static HostDesiredState Desired(long generation, params VmSpec[] vms) => new() { Generation = generation, Vms = [.. vms] };
}
