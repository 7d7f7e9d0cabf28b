using System.Diagnostics;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>Real QEMU microVMs booting the guest image under TCG.</summary>
[Collection(QemuCollection.Name)]
public sealed class QemuVmTests : IDisposable
{
    private static readonly TimeSpan BootWait = TimeSpan.FromSeconds(60);
    private readonly TempStateDirectory _dir = new();

    [QemuFact]
    public async Task Apply_QemuVm_RunningWithUserDataHashReportedByTheGuest()
    {
        var userData = "#cloud-config\nhostname: vm-a\nnote: grüße\n";
        await using var core = await HostAgentCore.StartAsync(QemuAgent.Options(_dir));

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.GuestVm("vm-a", userData)));
        var vm = (await core.WaitForAsync(s => s.Has("vm-a", VmState.Running), BootWait)).Vm("vm-a");

        var expected = SpecHash.Sha256Hex(userData);
        var console = await File.ReadAllTextAsync(Path.Combine(QemuAgent.VmDirectory(_dir, "vm-a"), "console.log"));
        Assert.Contains($"LIQUIDMETAL-READY id=vm-a userdata-sha256={expected}", console, StringComparison.Ordinal);
        Assert.Equal("tcg", vm.ProviderDetails["accel"]);
        Assert.NotNull(ProcFs.StartTime(int.Parse(vm.ProviderDetails["pid"], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [QemuFact]
    public async Task KillVmm_SigKill_FailedWithinOneSecondWithReasonThenRestarted()
    {
        await using var core = await HostAgentCore.StartAsync(QemuAgent.Options(_dir));
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.GuestVm("vm-k")));
        var running = (await core.WaitForAsync(s => s.Has("vm-k", VmState.Running), BootWait)).Vm("vm-k");
        var pid = Pid(running);

        var failedTask = core.WaitForAsync(s => s.Has("vm-k", VmState.Failed), TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        Native.kill(pid, Native.SigKill);
        var failed = (await failedTask).Vm("vm-k");
        var noticedAfter = watch.Elapsed;

        Assert.True(noticedAfter < TimeSpan.FromSeconds(1), $"noticed after {noticedAfter.TotalMilliseconds:0} ms");
        Assert.Contains($"VMM (pid {pid}) was killed by signal 9 (SIGKILL)", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("last console lines: ", failed.Reason, StringComparison.Ordinal);

        var restarted = (await core.WaitForAsync(s => s.Has("vm-k", VmState.Running), BootWait)).Vm("vm-k");
        Assert.Equal(1, restarted.Restarts);
        Assert.NotEqual(pid, Pid(restarted));
    }

    [QemuFact]
    public async Task Apply_GuestNeverReady_FailedAtBootDeadlineWithConsoleLines()
    {
        // Junk instead of an initramfs: the kernel boots, panics ("VFS: Unable to mount root fs") and hangs.
        var junk = Path.Combine(_dir.Images, "junk.img");
        await File.WriteAllBytesAsync(junk, Enumerable.Range(0, 65536).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var options = QemuAgent.Options(_dir) with { BootDeadline = TimeSpan.FromSeconds(5), RestartBackoffInitial = TimeSpan.FromMinutes(5) };
        await using var core = await HostAgentCore.StartAsync(options);

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("vm-d", GuestImage.Get().Kernel, junk)));
        var failed = (await core.WaitForAsync(s => s.Has("vm-d", VmState.Failed), TimeSpan.FromSeconds(30))).Vm("vm-d");

        Assert.Contains("no ready marker within the boot deadline of 5 s", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("Kernel panic", failed.Reason, StringComparison.Ordinal);
        // The kill follows the state file's write, which under a loaded disk (CI runs test projects side by side) has
        // taken seconds: the claim is that the hung VMM is killed, not how fast the disk is.
        await WaitUntilAsync(() => ProcFs.FindVmm("qemu-system-x86_64", [QemuAgent.VmDirectory(_dir, "vm-d") + "/"]).Count == 0, TimeSpan.FromSeconds(30));
    }

    [QemuFact]
    public async Task Apply_VmRemoved_GuestPowersOffGracefullyAndIsForgotten()
    {
        await using var core = await HostAgentCore.StartAsync(QemuAgent.Options(_dir));
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.GuestVm("vm-g")));
        var pid = Pid((await core.WaitForAsync(s => s.Has("vm-g", VmState.Running), BootWait)).Vm("vm-g"));

        var watch = Stopwatch.StartNew();
        await core.ApplyAsync(TestSpecs.Desired(2));
        await core.WaitForAsync(s => s.Vms.IsEmpty, TimeSpan.FromSeconds(30));

        // The grace period is 20 s: done well before it means the guest powered off, not a kill.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(ProcFs.StartTime(pid));
        Assert.False(Directory.Exists(QemuAgent.VmDirectory(_dir, "vm-g")));
    }

    [QemuFact]
    public async Task DisposeCore_NewCoreOnSameStateFolder_ReadoptsTheRunningVm()
    {
        var options = QemuAgent.Options(_dir);
        int pid;
        await using (var first = await HostAgentCore.StartAsync(options))
        {
            await first.ApplyAsync(TestSpecs.Desired(1, TestSpecs.GuestVm("vm-r")));
            pid = Pid((await first.WaitForAsync(s => s.Has("vm-r", VmState.Running), BootWait)).Vm("vm-r"));
        }

        Assert.NotNull(ProcFs.StartTime(pid));
        await using var second = await HostAgentCore.StartAsync(options);
        await Task.Delay(500);
        var vm = second.GetStatus().Vm("vm-r");

        Assert.Equal(VmState.Running, vm.State);
        Assert.Equal(pid, Pid(vm));
        Assert.Equal(0, vm.Restarts);
        Assert.Single(ProcFs.FindVmm("qemu-system-x86_64", [QemuAgent.VmDirectory(_dir, "vm-r") + "/"]));
    }

    [QemuFact]
    public async Task AccelProbe_Auto_ChoosesWithinTheProbeTimeout()
    {
        var probe = new AccelProbe(DetachedProcess.Resolve("qemu-system-x86_64")!, TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger.Instance);
        var watch = Stopwatch.StartNew();

        var accel = await probe.ResolveAsync(QemuAccel.Auto, GuestImage.Get().Kernel);

        Assert.Contains(accel, new[] { "kvm", "tcg" });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(accel, probe.Current(QemuAccel.Auto));
    }

    internal static int Pid(VmStatus vm) => int.Parse(vm.ProviderDetails["pid"], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), $"condition never held within {timeout.TotalSeconds:0} s");
    }

    public void Dispose() => _dir.Dispose();
}
