using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Agent.Tests.Networking;

/// <summary>The tap network on this host's real devices: a bridge of the test's own, taps the agent makes and removes.</summary>
public sealed class LinuxNetDevicesTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();
    private readonly LinuxNetDevices _devices = new();
    private readonly string _vm = "vm-" + Guid.NewGuid().ToString("N")[..8];

    private string Mark => TapOwner.AgentMark(Path.Combine(_dir.Path, "s"));

    [NetAdminFact]
    public async Task PrepareAsync_RealBridge_TapsMarkedJoinedUpThenReleased()
    {
        using var bridge = new TestBridge(vlanFiltering: false);
        var network = new TapNetwork(_devices, Mark, bridge.Name, NullLogger.Instance);
        var first = TapNames.For(_vm, 0);
        var second = TapNames.For(_vm, 1);
        var spec = TestSpecs.Vm(_vm) with
        {
            Nics = [TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", first, bridge: bridge.Name), TestSpecs.Nic("eth1", "02:00:00:00:00:02", second)],
        };

        await network.PrepareAsync(spec, default);

        Assert.Equal(NetDeviceKind.Tap, _devices.Find(first)!.Kind);
        Assert.Equal(TapOwner.Alias(Mark, _vm), _devices.Find(first)!.Alias);
        Assert.Equal(bridge.Name, _devices.Find(first)!.Master);
        Assert.Equal(bridge.Name, _devices.Find(second)!.Master); // the agent's --bridge, for a NIC naming none
        Assert.True(HostTaps.IsUp(first));
        Assert.True(HostTaps.IsUp(second));

        await network.ReleaseAsync(_vm, default);

        Assert.False(HostTaps.Exists(first));
        Assert.False(HostTaps.Exists(second));
    }

    [NetAdminFact(NeedsVlanFiltering = true)]
    public async Task PrepareAsync_VlanOnFilteringBridge_PortUntaggedInThatVlanOnly()
    {
        using var bridge = new TestBridge(vlanFiltering: true);
        var network = new TapNetwork(_devices, Mark, bridge.Name, NullLogger.Instance);
        var tagged = TapNames.For(_vm, 0);
        var plain = TapNames.For(_vm, 1);
        var spec = TestSpecs.Vm(_vm) with
        {
            Nics = [TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", tagged, vlan: 42), TestSpecs.Nic("eth1", "02:00:00:00:00:02", plain)],
        };

        await network.PrepareAsync(spec, default);

        var vlan = Assert.Single(HostTaps.Vlans(tagged));
        Assert.Equal(42, vlan.Vlan);
        Assert.Contains("PVID", vlan.Flags);
        Assert.Contains("Egress Untagged", vlan.Flags);
        Assert.Equal(1, Assert.Single(HostTaps.Vlans(plain)).Vlan);

        await network.ReleaseAsync(_vm, default);

        Assert.False(HostTaps.Exists(tagged));
        Assert.False(HostTaps.Exists(plain));
    }

    [NetAdminFact]
    public async Task PrepareAsync_MissingBridgeOrNoVlanFiltering_RefusedWithNothingMade()
    {
        using var bridge = new TestBridge(vlanFiltering: false);
        var network = new TapNetwork(_devices, Mark, null, NullLogger.Instance);
        var tap = TapNames.For(_vm, 0);

        var missing = await Assert.ThrowsAsync<HostNetworkException>(() => network.PrepareAsync(Vm(tap, "tb-missing", 0), default));
        var unfiltered = await Assert.ThrowsAsync<HostNetworkException>(() => network.PrepareAsync(Vm(tap, bridge.Name, 7), default));

        Assert.Equal("nic eth0: bridge tb-missing does not exist on this host: create it, or fix the network's bridge in the fleet", missing.Message);
        Assert.Contains($"bridge {bridge.Name} has VLAN filtering off (or this kernel lacks it), so VLAN 7 cannot be set", unfiltered.Message, StringComparison.Ordinal);
        Assert.False(HostTaps.Exists(tap));
    }

    [NetAdminFact]
    public async Task SweepAsync_RealTaps_RemovesOwnStaleTapAndLeavesAPersonsTap()
    {
        var network = new TapNetwork(_devices, Mark, null, NullLogger.Instance);
        var stale = TapNames.For(_vm, 0);
        var persons = TapNames.For(_vm, 1);
        _devices.CreateTap(stale, TapOwner.Alias(Mark, _vm));
        Assert.True(HostCommands.Ip("tuntap", "add", "dev", persons, "mode", "tap"));
        try
        {
            await network.SweepAsync(new HashSet<string> { "some-other-vm" }, default);

            Assert.False(HostTaps.Exists(stale));
            Assert.True(HostTaps.Exists(persons));
        }
        finally
        {
            HostCommands.Ip("link", "delete", persons);
        }
    }

    [NetAdminFact]
    public void CreateTap_NameTaken_FailsWithoutTakingTheDeviceOver()
    {
        var tap = TapNames.For(_vm, 0);
        Assert.True(HostCommands.Ip("tuntap", "add", "dev", tap, "mode", "tap"));
        try
        {
            var error = Assert.Throws<IOException>(() => _devices.CreateTap(tap, TapOwner.Alias(Mark, _vm)));

            Assert.Contains("exists already", error.Message, StringComparison.Ordinal);
            Assert.Equal(string.Empty, _devices.Find(tap)!.Alias);
        }
        finally
        {
            HostCommands.Ip("link", "delete", tap);
        }
    }

    private VmSpec Vm(string tap, string bridge, int vlan) =>
        TestSpecs.Vm(_vm) with { Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:01", tap) with { Bridge = bridge, Vlan = vlan }] };

    public void Dispose() => _dir.Dispose();
}
