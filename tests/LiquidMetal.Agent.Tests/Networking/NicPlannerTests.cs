using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Networking;

public sealed class NicPlannerTests
{
    private static readonly FakeNetDevices Host = new FakeNetDevices().WithBridge("br-lab", vlanFiltering: true).WithBridge("br-plain");

    [Fact]
    public void Plan_NicsOnExistingBridges_OneTapEachWithBridgeVlanAndDefaultPvid()
    {
        var spec = TestSpecs.Vm("a") with
        {
            Nics = [TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", "lma0", bridge: "br-lab", vlan: 100), TestSpecs.Nic("eth1", "02:00:00:00:00:02", "lma1")],
        };

        var plan = NicPlanner.Plan(spec, defaultBridge: "br-plain", Host.Find);

        Assert.Null(plan.Refusal);
        Assert.Equal(new[] { new TapSetup("lma0", "eth0", "br-lab", 100, 1), new TapSetup("lma1", "eth1", "br-plain", 0, 1) }, plan.Taps.ToArray());
    }

    [Fact]
    public void Plan_NoBridgeAnywhere_UnconnectedTap()
    {
        var plan = NicPlanner.Plan(TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0")] }, null, Host.Find);

        Assert.Equal(new[] { new TapSetup("lma0", "eth0", null, 0, 0) }, plan.Taps.ToArray());
    }

    [Fact]
    public void Plan_BridgeMissing_RefusedSayingWhatToDo()
    {
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0") with { Bridge = "br-gone" }] };

        var plan = NicPlanner.Plan(spec, "br-plain", Host.Find);

        Assert.Empty(plan.Taps);
        Assert.Equal("nic eth0: bridge br-gone does not exist on this host: create it, or fix the network's bridge in the fleet", plan.Refusal);
    }

    [Fact]
    public void Plan_SecondNicRefused_NoTapPlannedForTheFirst()
    {
        var spec = TestSpecs.Vm("a") with
        {
            Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0"), TestSpecs.Nic("eth1", "02:00:00:00:00:02", "lma1") with { Bridge = "br-gone" }],
        };

        var plan = NicPlanner.Plan(spec, "br-plain", Host.Find);

        Assert.Empty(plan.Taps);
        Assert.StartsWith("nic eth1: bridge br-gone does not exist", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_VlanOnBridgeWithoutFiltering_RefusedRatherThanUntagged()
    {
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0") with { Bridge = "br-plain", Vlan = 100 }] };

        var plan = NicPlanner.Plan(spec, null, Host.Find);

        Assert.Equal(
            "nic eth0: bridge br-plain has VLAN filtering off (or this kernel lacks it), so VLAN 100 cannot be set on the port: turn it on (ip link set br-plain type bridge vlan_filtering 1), or remove the VLAN from the network",
            plan.Refusal);
    }

    [Fact]
    public void Plan_VlanWithoutAnyBridge_Refused()
    {
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0") with { Vlan = 5 }] };

        Assert.Contains("VLAN 5 needs a bridge", NicPlanner.Plan(spec, null, Host.Find).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BridgeNameIsNotABridge_Refused()
    {
        var host = new FakeNetDevices().WithTap("lmother");
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0") with { Bridge = "lmother" }] };

        Assert.StartsWith("nic eth0: lmother on this host is not a bridge", NicPlanner.Plan(spec, null, host.Find).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_TapNameTaken_RefusedNeverTakenOver()
    {
        var host = new FakeNetDevices().WithTap("lma0", alias: "someone else's");
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lma0")] };

        Assert.StartsWith("nic eth0: host device lma0 exists already", NicPlanner.Plan(spec, null, host.Find).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Owned_MixedDevices_OnlyThisAgentsTapsOfTheChosenVms()
    {
        var mine = TapOwner.AgentMark("/var/lib/lm");
        var taps = new[]
        {
            new NetDevice("lm1", NetDeviceKind.Tap, TapOwner.Alias(mine, "a")),
            new NetDevice("lm2", NetDeviceKind.Tap, TapOwner.Alias(mine, "b")),
            new NetDevice("lm3", NetDeviceKind.Tap, TapOwner.Alias(TapOwner.AgentMark("/var/lib/other"), "a")),
            new NetDevice("lm4", NetDeviceKind.Tap, string.Empty),
            new NetDevice("lm5", NetDeviceKind.Other, TapOwner.Alias(mine, "a")),
            new NetDevice("xx6", NetDeviceKind.Tap, TapOwner.Alias(mine, "a")),
        };

        Assert.Equal(["lm1"], NicPlanner.Owned(taps, mine, vm => vm == "a"));
        Assert.Equal(["lm2"], NicPlanner.Owned(taps, mine, vm => vm != "a"));
    }

    [Fact]
    public void TapNames_SeveralNics_UniqueLmPrefixedAtMostFifteenCharacters()
    {
        var names = Enumerable.Range(0, TapNames.MaxNicsPerVm).Select(i => TapNames.For(new string('x', 63), i)).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^lm[0-9a-f]{13}$", n));
        Assert.NotEqual(TapNames.For("a", 0), TapNames.For("b", 0));
    }

    [Fact]
    public void AgentMark_LongOrSpacedPath_HashedToFitTheAlias()
    {
        Assert.Equal("/var/lib/liquidmetal", TapOwner.AgentMark("/var/lib/liquidmetal/"));
        Assert.Matches("^sha256-[0-9a-f]{12}$", TapOwner.AgentMark("/" + new string('d', 200)));
        Assert.Matches("^sha256-[0-9a-f]{12}$", TapOwner.AgentMark("/var/lib/my state"));
        Assert.Null(TapOwner.VmOf(TapOwner.Alias("/var/lib/lm", "a"), "/var/lib/l"));
        Assert.Equal("a", TapOwner.VmOf(TapOwner.Alias("/var/lib/lm", "a"), "/var/lib/lm"));
    }
}
