using System.Diagnostics;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Validation;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Providers.Sim;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Supervision;

/// <summary>The agent core's convergence and supervision, on the simulator (no processes, fast).</summary>
public sealed class SimAgentTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task ApplyAsync_TwoVms_BothCreatingThenRunning()
    {
        await using var core = await StartAsync();

        var accepted = await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a"), TestSpecs.Vm("b")));
        var running = await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Has("b", VmState.Running), Wait);

        Assert.Equal(1, accepted.ObservedGeneration);
        Assert.Equal(2, running.Capacity.AllocatedVcpu);
        Assert.Equal(512, running.Capacity.AllocatedMemoryMiB);
        Assert.Equal("sim", running.Provider);
        Assert.Contains("ready marker seen", running.Vm("a").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_SameStateTwice_NothingRestarts()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a")));
        var first = (await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait)).Vm("a");

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a")));
        await Task.Delay(300);

        Assert.Equal(first.Since, core.GetStatus().Vm("a").Since);
        Assert.Equal(VmState.Running, core.GetStatus().Vm("a").State);
    }

    [Fact]
    public async Task CrashedVmm_ReportedFailedThenRestartedWithCount()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a")));
        await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait);

        var failedTask = core.WaitForAsync(s => s.Has("a", VmState.Failed), Wait);
        Assert.True(core.CrashSimulatedVm("a"));
        var failed = (await failedTask).Vm("a");
        var restarted = (await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Vm("a").Restarts == 1, Wait)).Vm("a");

        Assert.Contains("simulated VMM crash", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(1, restarted.Restarts);
    }

    [Fact]
    public async Task ApplyAsync_ChangedSpec_ReplacesTheVm()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a", userData: "v1")));
        var before = (await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait)).Vm("a");

        await core.ApplyAsync(TestSpecs.Desired(2, TestSpecs.Vm("a", userData: "v2")));
        var after = (await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Vm("a").Hash != before.Hash, Wait)).Vm("a");

        Assert.Equal(SpecHash.Of(TestSpecs.Vm("a", userData: "v2")), after.Hash);
        Assert.Equal(0, after.Restarts);
    }

    [Fact]
    public async Task ApplyAsync_VmRemoved_DeletedAndFolderGone()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a"), TestSpecs.Vm("b")));
        await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Has("b", VmState.Running), Wait);

        await core.ApplyAsync(TestSpecs.Desired(2, TestSpecs.Vm("b")));
        var status = await core.WaitForAsync(s => s.Vms.Length == 1, Wait);

        Assert.Equal("b", status.Vms.Single().Id);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "vms", "a")));
    }

    [Fact]
    public async Task ApplyAsync_InvalidState_RefusedAndRunningVmsUntouched()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a")));
        var running = (await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait)).Vm("a");

        var bad = TestSpecs.Desired(2, TestSpecs.Vm("b") with { Vcpu = 0 }, TestSpecs.Vm("c", kernel: "/etc/shadow"));
        var e = await Assert.ThrowsAsync<DesiredStateValidationException>(() => core.ApplyAsync(bad));
        await Task.Delay(200);

        Assert.Equal(2, e.Errors.Count);
        var status = core.GetStatus();
        Assert.Equal(1, status.ObservedGeneration);
        Assert.Equal(running, status.Vms.Single());
    }

    [Fact]
    public async Task WatchAsync_Apply_StreamsCreatingThenRunning()
    {
        await using var core = await StartAsync();
        using var cancel = new CancellationTokenSource(Wait);
        var states = new List<VmState>();
        var watching = Task.Run(async () =>
        {
            await foreach (var status in core.WatchAsync(cancel.Token))
            {
                if (status.Vms.Length == 1 && (states.Count == 0 || states[^1] != status.Vms[0].State))
                {
                    states.Add(status.Vms[0].State);
                }

                if (states.Contains(VmState.Running))
                {
                    return;
                }
            }
        });

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a")));
        await watching;

        Assert.Equal([VmState.Creating, VmState.Running], states.SkipWhile(s => s == VmState.Pending));
    }

    [Fact]
    public async Task StartAsync_StateFolderInUse_Throws()
    {
        await using var core = await StartAsync();

        await Assert.ThrowsAsync<StateDirectoryInUseException>(() => StartAsync());
    }

    [Fact]
    public async Task StartAsync_AfterRestart_DesiredStateAndGenerationKept()
    {
        await using (var core = await StartAsync())
        {
            await core.ApplyAsync(TestSpecs.Desired(5, TestSpecs.Vm("a")));
            await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait);
        }

        // A new simulator has no VMs: the new core finds the VM gone and recreates it.
        await using var restarted = await StartAsync();
        var first = restarted.GetStatus().Vm("a");
        var status = await restarted.WaitForAsync(s => s.Has("a", VmState.Running), Wait);

        Assert.Equal(VmState.Failed, first.State);
        Assert.Contains("was gone when the agent started", first.Reason, StringComparison.Ordinal);

        Assert.Equal(5, status.ObservedGeneration);
        Assert.Equal(1, status.Vm("a").Restarts);
    }

    [Fact]
    public async Task ApplyAsync_HundredVms_AllRunningQuickly()
    {
        await using var core = await StartAsync();
        var vms = Enumerable.Range(0, 100).Select(i => TestSpecs.Vm($"vm-{i}") with { MemoryMiB = 64 }).ToArray();
        var watch = Stopwatch.StartNew();

        await core.ApplyAsync(TestSpecs.Desired(1, vms));
        await core.WaitForAsync(s => s.Vms.Length == 100 && s.Vms.All(vm => vm.State == VmState.Running), Wait);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.ElapsedMilliseconds} ms");
    }

    private Task<HostAgentCore> StartAsync() => HostAgentCore.StartAsync(new HostAgentOptions
    {
        StateDirectory = _dir.Path,
        Provider = ProviderKind.Sim,
        Sim = new SimOptions { BootDelay = TimeSpan.FromMilliseconds(50) },
        ImageDirectories = ["/images"],
        RestartBackoffInitial = TimeSpan.FromMilliseconds(100),
    });

    public void Dispose() => _dir.Dispose();
}
