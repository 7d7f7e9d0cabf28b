using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Agent.Tests.Networking;

/// <summary>The tap lifecycle decisions against in-memory devices: what is made, in which order, and what is removed.</summary>
public sealed class TapNetworkTests
{
    private const string Mark = "/var/lib/lm";
    private readonly FakeNetDevices _devices = new FakeNetDevices().WithBridge("br-lab", vlanFiltering: true);

    [Fact]
    public async Task PrepareAsync_VlanNic_CreatedJoinedTaggedThenUp()
    {
        var network = Network();

        await network.PrepareAsync(Vm("a", Nic("eth0", "lma0", vlan: 100)), default);

        Assert.Equal(["create lma0", "join lma0 br-lab", "vlan lma0 100 drop 1", "up lma0"], _devices.Changes);
        Assert.Equal(TapOwner.Alias(Mark, "a"), _devices.Find("lma0")!.Alias);
    }

    [Fact]
    public async Task PrepareAsync_MissingBridge_RefusedAndNothingMade()
    {
        var network = Network();

        var refused = await Assert.ThrowsAsync<HostNetworkException>(() => network.PrepareAsync(Vm("a", Nic("eth0", "lma0"), Nic("eth1", "lma1", bridge: "br-gone")), default));

        Assert.Contains("bridge br-gone does not exist on this host", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_devices.Changes);
    }

    [Fact]
    public async Task PrepareAsync_SecondTapFails_FirstRemovedAgain()
    {
        _devices.FailJoinFor = "lma1";
        var network = Network();

        var failed = await Assert.ThrowsAsync<HostNetworkException>(() => network.PrepareAsync(Vm("a", Nic("eth0", "lma0"), Nic("eth1", "lma1")), default));

        Assert.Contains("Operation not supported", failed.Message, StringComparison.Ordinal);
        Assert.Empty(_devices.TapNames);
        Assert.Equal(["remove lma0", "remove lma1"], _devices.Changes.Where(c => c.StartsWith("remove", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ReleaseAsync_SeveralOwners_OnlyThisAgentsTapsOfThatVm()
    {
        _devices.WithTap("lma0", TapOwner.Alias(Mark, "a"))
            .WithTap("lma1", TapOwner.Alias(Mark, "a"))
            .WithTap("lmb0", TapOwner.Alias(Mark, "b"))
            .WithTap("lmc0", TapOwner.Alias("/srv/other-agent", "a"))
            .WithTap("lmd0");

        await Network().ReleaseAsync("a", default);

        Assert.Equal(["lmb0", "lmc0", "lmd0"], _devices.TapNames);
    }

    [Fact]
    public async Task ReleaseAsync_TapHeldByAVmm_LeftInPlace()
    {
        _devices.WithTap("lma0", TapOwner.Alias(Mark, "a"), held: true);

        await Network().ReleaseAsync("a", default);

        Assert.Equal(["lma0"], _devices.TapNames);
    }

    [Fact]
    public async Task SweepAsync_AtStart_RemovesOnlyThisAgentsTapsOfUnknownVms()
    {
        _devices.WithTap("lma0", TapOwner.Alias(Mark, "known"))
            .WithTap("lmb0", TapOwner.Alias(Mark, "gone"))
            .WithTap("lmc0", TapOwner.Alias("/srv/other-agent", "gone"))
            .WithTap("lmd0");

        await Network().SweepAsync(new HashSet<string> { "known" }, default);

        Assert.Equal(["lma0", "lmc0", "lmd0"], _devices.TapNames);
    }

    private TapNetwork Network(string? defaultBridge = "br-lab") => new(_devices, Mark, defaultBridge, NullLogger.Instance);

    private static VmSpec Vm(string id, params VmNic[] nics) => TestSpecs.Vm(id) with { Nics = [.. nics] };

    private static VmNic Nic(string name, string tap, string bridge = "", int vlan = 0) =>
        TestSpecs.Nic(name, "02:00:00:00:00:01", tap) with { Bridge = bridge, Vlan = vlan };
}
