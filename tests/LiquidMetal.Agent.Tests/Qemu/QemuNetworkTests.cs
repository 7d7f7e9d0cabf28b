using System.Diagnostics;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>A VM's NIC: QEMU makes the tap, the agent joins it to the bridge, the tap goes with the VMM.</summary>
[Collection(QemuCollection.Name)]
public sealed class QemuNetworkTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();
    private readonly string _bridge = "lmbr" + Guid.NewGuid().ToString("N")[..8];

    [BridgeFact]
    public async Task Apply_VmWithNic_TapJoinsTheBridgeAndLeavesWithTheVm()
    {
        Assert.True(Ip("link", "add", "name", _bridge, "type", "bridge"), $"could not create bridge {_bridge}");

        await using var core = await HostAgentCore.StartAsync(QemuAgent.Options(_dir) with { Bridge = _bridge });
        var tap = TapBridge.TapName("vm-net");
        var vm = TestSpecs.GuestVm("vm-net") with { Network = new VmNetwork("02:00:00:aa:bb:01", tap) };

        await core.ApplyAsync(TestSpecs.Desired(1, vm));
        var running = await core.WaitForAsync(s => s.Has("vm-net", VmState.Running), TimeSpan.FromSeconds(60));

        var pid = QemuVmTests.Pid(running.Vm("vm-net"));
        Assert.Contains($"ifname={tap}", ProcFs.CommandLine(pid));
        Assert.Contains("mac=02:00:00:aa:bb:01", ProcFs.CommandLine(pid));
        await WaitUntilAsync(() => TapBridge.IsAttached(tap, _bridge));
        Assert.Contains("UP", File.ReadAllText($"/sys/class/net/{tap}/flags") is var flags && Convert.ToInt32(flags.Trim(), 16) % 2 == 1 ? "UP" : "DOWN");

        await core.ApplyAsync(TestSpecs.Desired(2));
        await core.WaitForAsync(s => s.Vms.IsEmpty, TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => !Directory.Exists($"/sys/class/net/{tap}"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(50);
        }
    }

    internal static bool Ip(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no ip command
        }
    }

    public void Dispose()
    {
        _dir.Dispose();
        Ip("link", "delete", _bridge);
    }
}

/// <summary>A QEMU fact that also needs to create bridges and taps (root or CAP_NET_ADMIN); skipped, saying so, elsewhere.</summary>
public sealed class BridgeFactAttribute : FactAttribute
{
    public BridgeFactAttribute()
    {
        if (DetachedProcess.Resolve("qemu-system-x86_64") is null)
        {
            Skip = "qemu-system-x86_64 is not installed: run scripts/install-test-deps.sh";
            return;
        }

        var probe = "lmprobe" + Environment.ProcessId % 100000;
        if (!QemuNetworkTests.Ip("link", "add", "name", probe, "type", "bridge"))
        {
            Skip = "cannot create a network bridge here (needs root or CAP_NET_ADMIN)";
            return;
        }

        QemuNetworkTests.Ip("link", "delete", probe);
    }
}
