using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Validation;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Core;

public sealed class DesiredStateValidatorTests
{
    private readonly DesiredStateValidator _validator = new(["/images"], memoryCapacityMiB: 4096);

    [Fact]
    public void Validate_GoodState_NoErrors()
    {
        Assert.Empty(_validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a"), TestSpecs.Vm("b")), appliedGeneration: 0));
    }

    [Theory]
    [InlineData(0, 256, "vcpu is 0")]
    [InlineData(-1, 256, "vcpu is -1")]
    [InlineData(1, 0, "memoryMiB is 0")]
    [InlineData(1, -5, "memoryMiB is -5")]
    public void Validate_NonPositiveSizes_Error(int vcpu, long memory, string expected)
    {
        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a") with { Vcpu = vcpu, MemoryMiB = memory }), 0);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal) && e.StartsWith("vm a:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DuplicateIds_Error()
    {
        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a"), TestSpecs.Vm("a")), 0);

        Assert.Contains(errors, e => e.Contains("duplicate id", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/images/../etc/passwd")]
    [InlineData("/imagesX/vmlinuz")]
    [InlineData("images/vmlinuz")]
    public void Validate_KernelOutsideImageFolders_Error(string kernel)
    {
        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a", kernel: kernel)), 0);

        Assert.Contains(errors, e => e.Contains("kernel", StringComparison.Ordinal) && e.Contains(kernel, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RootVolumeAndInitrdOutsideImageFolders_Errors()
    {
        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a", initrd: "/tmp/i") with { RootVolume = "/var/root.img" }), 0);

        Assert.Contains(errors, e => e.Contains("initrd", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("rootVolume", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("../escape")]
    [InlineData("-dash")]
    public void Validate_IdNotADnsLabel_Error(string id)
    {
        Assert.Contains(_validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm(id)), 0), e => e.Contains("DNS label", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_OlderGeneration_Error()
    {
        Assert.Contains(_validator.Validate(TestSpecs.Desired(3, TestSpecs.Vm("a")), appliedGeneration: 4), e => e.Contains("older than the applied generation", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MemoryOvercommitted_Error()
    {
        var big = TestSpecs.Vm("a") with { MemoryMiB = 3000 };
        var errors = _validator.Validate(TestSpecs.Desired(1, big, big with { Id = "b" }), 0);

        Assert.Contains(errors, e => e.Contains("never overcommitted", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadNicNamesAndMac_Errors()
    {
        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("this-name-is-far-too-long", "zz", "tap0")] }), 0);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("must be an interface name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MAC \"zz\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("tap \"tap0\" must be a host interface name starting with \"lm\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.20.1.101", "address \"10.20.1.101\"")]
    [InlineData("10.20.1.101/33", "address \"10.20.1.101/33\"")]
    [InlineData("fd00::1/129", "address \"fd00::1/129\"")]
    [InlineData("lab/24", "address \"lab/24\"")]
    public void Validate_AddressWithoutValidPrefix_Error(string address, string expected)
    {
        var nic = TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lm0000000000000") with { Addresses = [address] };

        Assert.Contains(_validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a") with { Nics = [nic] }), 0), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GoodStaticNic_NoErrors()
    {
        var nic = TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", "lm0000000000000");

        Assert.Empty(_validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a") with { Nics = [nic] }), 0));
    }

    [Fact]
    public void Validate_WrongFamilyGatewaysVlanAndDns_OneErrorEach()
    {
        var nic = TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lm0000000000000") with
        {
            Gateway4 = "fd00::1",
            Gateway6 = "10.0.0.1",
            Vlan = 4095,
            Nameservers = ["dns.example"],
            SearchDomains = ["bad domain"],
            Bridge = "bridge-name-too-long",
        };

        var errors = _validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a") with { Nics = [nic] }), 0);

        Assert.Equal(6, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("vm a: nic eth0: ", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DuplicateNicNamesMacsAndTaps_Errors()
    {
        var nic = TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lm0000000000000");
        var a = TestSpecs.Vm("a") with { Nics = [nic, nic with { Tap = "lm0000000000001" }] };
        var b = TestSpecs.Vm("b") with { Nics = [nic] };

        var errors = _validator.Validate(TestSpecs.Desired(1, a, b), 0);

        Assert.Contains(errors, e => e == "vm a: nic eth0: duplicate name; every NIC of a VM needs its own");
        Assert.Contains(errors, e => e.StartsWith("vm a: nic eth0: MAC 02:00:00:00:00:01 is used by another NIC", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("tap lm0000000000000 is given to more than one NIC (a, b)", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MetalWithVms_Error()
    {
        var desired = TestSpecs.Desired(1, TestSpecs.Vm("a")) with { Metal = new MetalAssignment { Node = "n", Cluster = "c", Hash = "h" } };

        Assert.Contains(_validator.Validate(desired, 0), e => e.StartsWith("metal:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoImageFolders_ErrorSaysHowToConfigure()
    {
        var validator = new DesiredStateValidator([], 4096);

        Assert.Contains(validator.Validate(TestSpecs.Desired(1, TestSpecs.Vm("a")), 0), e => e.Contains("--image-dir", StringComparison.Ordinal));
    }
}
