using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>
/// One real guest on a real bridge: the agent makes the tap, QEMU opens it and the cidata disk,
/// an agent restart keeps the live VM's tap and sweeps a stale one, and the tap goes with the VM.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuNetworkTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [QemuNetAdminFact]
    public async Task Apply_VmWithNic_AgentsTapOnTheBridgeCidataAttachedAndEverythingGoesWithTheVm()
    {
        // No VLAN: kernels without bridge VLAN filtering boot this test too (LinuxNetDevicesTests covers VLANs).
        using var bridge = new TestBridge(vlanFiltering: false);
        var options = QemuAgent.Options(_dir);
        var tap = TapNames.For("vm-net", 0);
        var vm = TestSpecs.GuestVm("vm-net") with { Nics = [TestSpecs.StaticNic("eth0", "02:00:00:aa:bb:01", tap, bridge.Name)] };
        int pid;
        await using (var first = await HostAgentCore.StartAsync(options))
        {
            await first.ApplyAsync(TestSpecs.Desired(1, vm));
            pid = QemuVmTests.Pid((await first.WaitForAsync(s => s.Has("vm-net", VmState.Running), TimeSpan.FromSeconds(60))).Vm("vm-net"));

            var commandLine = ProcFs.CommandLine(pid);
            Assert.Contains($"tap,id=net0,ifname={tap},script=no,downscript=no", commandLine, StringComparison.Ordinal);
            Assert.Contains("virtio-net-device,netdev=net0,mac=02:00:00:aa:bb:01", commandLine, StringComparison.Ordinal);
            Assert.Contains("cidata.iso,format=raw,if=none,readonly=on", commandLine, StringComparison.Ordinal);
            Assert.Equal(bridge.Name, new LinuxNetDevices().Find(tap)!.Master);
            Assert.Equal("1", File.ReadAllText($"/sys/class/net/{tap}/carrier").Trim()); // up, and QEMU holds it

            // The guest kernel found the cidata disk (the only disk: vda) and read its size.
            var console = await File.ReadAllTextAsync(Path.Combine(QemuAgent.VmDirectory(_dir, "vm-net"), "console.log"));
            Assert.Matches(@"virtio_blk virtio\d+: \[vda\] \d+ 512-byte logical blocks", console);

            // The kernel refuses a second owner: the agent cannot pull the NIC from under a running guest.
            Assert.False(new LinuxNetDevices().RemoveTap(tap));
        }

        // Left while no agent ran: a tap of a VM this agent forgot.
        var stale = TapNames.For("vm-forgotten", 0);
        new LinuxNetDevices().CreateTap(stale, TapOwner.Alias(TapOwner.AgentMark(options.StateDirectory), "vm-forgotten"));
        await using var second = await HostAgentCore.StartAsync(options);

        Assert.False(HostTaps.Exists(stale));
        Assert.Equal(pid, QemuVmTests.Pid(second.GetStatus().Vm("vm-net")));
        Assert.Equal("1", File.ReadAllText($"/sys/class/net/{tap}/carrier").Trim());

        await second.ApplyAsync(TestSpecs.Desired(2));
        await second.WaitForAsync(s => s.Vms.IsEmpty, TimeSpan.FromSeconds(30));
        Assert.False(HostTaps.Exists(tap));
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A QEMU fact that also makes bridges and taps; skipped, saying which is missing, elsewhere.</summary>
public sealed class QemuNetAdminFactAttribute : FactAttribute
{
    public QemuNetAdminFactAttribute()
    {
        Skip = DetachedProcess.Resolve("qemu-system-x86_64") is null
            ? "qemu-system-x86_64 is not installed: run scripts/install-test-deps.sh"
            : NetAdminFactAttribute.Reason();
    }
}
