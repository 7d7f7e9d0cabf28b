using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Providers.Sim;
using LiquidMetal.Agent.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Agent.Tests.Supervision;

/// <summary>When the agent core makes and removes taps, on the simulator with in-memory devices: fast, and no root needed.</summary>
public sealed class TapLifecycleTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempStateDirectory _dir = new();
    private readonly FakeNetDevices _devices = new FakeNetDevices().WithBridge("br-lab");
    private readonly SimProvider _sim = new(new SimOptions { BootDelay = TimeSpan.FromMilliseconds(20) }, TimeProvider.System);

    [Fact]
    public async Task Apply_BridgeMissing_ThatVmFailedWithReasonOthersRun()
    {
        await using var core = await StartAsync();

        await core.ApplyAsync(TestSpecs.Desired(1, Vm("good", "br-lab"), Vm("lost", "br-gone")));
        var status = await core.WaitForAsync(s => s.Has("good", VmState.Running) && s.Has("lost", VmState.Failed), Wait);

        Assert.Equal(
            "host network: nic eth0: bridge br-gone does not exist on this host: create it, or fix the network's bridge in the fleet",
            status.Vm("lost").Reason);
        Assert.Equal([TapNames.For("good", 0)], _devices.TapNames);
    }

    [Fact]
    public async Task Apply_BridgeCreatedLater_RefusedVmStartsOnItsOwnAtTheNextRetry()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, Vm("late", "br-new")));
        await core.WaitForAsync(s => s.Has("late", VmState.Failed), Wait);

        _devices.WithBridge("br-new");
        var running = await core.WaitForAsync(s => s.Has("late", VmState.Running), Wait);

        Assert.Equal([TapNames.For("late", 0)], _devices.TapNames);
    }

    [Fact]
    public async Task Apply_VmRemoved_ItsTapRemoved()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, Vm("a", "br-lab")));
        await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait);

        await core.ApplyAsync(TestSpecs.Desired(2));
        await core.WaitForAsync(s => s.Vms.IsEmpty, Wait);

        Assert.Empty(_devices.TapNames);
        Assert.Equal(["create", "join", "up", "remove"], _devices.Changes.Select(c => c.Split(' ')[0]));
    }

    [Fact]
    public async Task Apply_SpecChanged_OldTapRemovedBeforeTheReplacementGetsFreshOnes()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, Vm("a", "br-lab")));
        await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait);
        var replaced = Vm("a", "br-lab") with { UserData = "changed", Nics = [.. Vm("a", "br-lab").Nics, TestSpecs.Nic("eth1", "02:00:00:00:00:02", TapNames.For("a", 1))] };

        await core.ApplyAsync(TestSpecs.Desired(2, replaced));
        await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Vm("a").Hash == SpecHash.Of(replaced), Wait);

        var tap0 = TapNames.For("a", 0);
        Assert.Equal([tap0, TapNames.For("a", 1)], _devices.TapNames);
        var changes = _devices.Changes.ToList();
        Assert.True(changes.IndexOf($"remove {tap0}") < changes.LastIndexOf($"create {tap0}"), string.Join(", ", changes));
    }

    [Fact]
    public async Task VmmCrashed_TapRemovedThenMadeAgainForTheRestart()
    {
        await using var core = await StartAsync();
        await core.ApplyAsync(TestSpecs.Desired(1, Vm("a", "br-lab")));
        await core.WaitForAsync(s => s.Has("a", VmState.Running), Wait);

        Assert.True(core.CrashSimulatedVm("a"));
        await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Vm("a").Restarts == 1, Wait);

        var tap = TapNames.For("a", 0);
        Assert.Equal([$"create {tap}", $"remove {tap}", $"create {tap}"], _devices.Changes.Where(c => !c.StartsWith("join", StringComparison.Ordinal) && !c.StartsWith("up", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AgentRestart_RunningVmsKeepTheirTapsAndForeignOrStaleTapsAreSorted()
    {
        var options = Options();
        await using (var first = await StartAsync(options))
        {
            await first.ApplyAsync(TestSpecs.Desired(1, Vm("a", "br-lab")));
            await first.WaitForAsync(s => s.Has("a", VmState.Running), Wait);
        }

        // Left behind while no agent ran: a tap of a VM this agent no longer knows, another agent's, and a person's.
        var mark = TapOwner.AgentMark(options.StateDirectory);
        _devices.WithTap("lmstale0", TapOwner.Alias(mark, "deleted-vm"))
            .WithTap("lmother0", TapOwner.Alias("/srv/other", "deleted-vm"))
            .WithTap("lmperson0");
        await using var second = await StartAsync(options);
        await Task.Delay(200);

        Assert.Equal(VmState.Running, second.GetStatus().Vm("a").State);
        Assert.Equal(0, second.GetStatus().Vm("a").Restarts);
        Assert.Equal([TapNames.For("a", 0), "lmother0", "lmperson0"], _devices.TapNames);
    }

    private HostAgentOptions Options() => new()
    {
        StateDirectory = Path.Combine(_dir.Path, "s"),
        Provider = ProviderKind.Sim,
        ImageDirectories = ["/images"],
        RestartBackoffInitial = TimeSpan.FromMilliseconds(100),
        RestartBackoffMax = TimeSpan.FromMilliseconds(200),
    };

    private Task<HostAgentCore> StartAsync(HostAgentOptions? options = null)
    {
        options ??= Options();
        var network = new TapNetwork(_devices, TapOwner.AgentMark(options.StateDirectory), null, NullLogger.Instance);
        return HostAgentCore.StartAsync(options, (_, _) => _sim, network, null, null);
    }

    private static VmSpec Vm(string id, string bridge) =>
        TestSpecs.Vm(id) with { Nics = [TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", TapNames.For(id, 0), bridge)] };

    public void Dispose() => _dir.Dispose();
}
