using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Rollout;
using Microsoft.Extensions.Time.Testing;

namespace LiquidMetal.Reconciler.Tests.Rollout;

/// <summary>How long each VM has run its current spec without a break, on the reconciler's clock.</summary>
public sealed class RunningClockTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Observe_FirstSeenRunning_HasRunForNoTimeYet()
    {
        var running = new RunningClock(_time).Observe(Seen(("cp-1", "a", VmPhase.Running)));

        Assert.Equal(TimeSpan.Zero, running["cp-1"]);
    }

    [Fact]
    public void Observe_RunningInEveryPass_TheTimeOnTheReconcilersClockNotTheAgents()
    {
        var clock = new RunningClock(_time);
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running, Since: DateTimeOffset.UnixEpoch)));
        _time.Advance(TimeSpan.FromSeconds(10));
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running, Since: DateTimeOffset.UnixEpoch)));
        _time.Advance(TimeSpan.FromSeconds(20));

        var running = clock.Observe(Seen(("cp-1", "a", VmPhase.Running, Since: DateTimeOffset.UnixEpoch)));

        Assert.Equal(TimeSpan.FromSeconds(30), running["cp-1"]);
    }

    [Theory]
    [InlineData(VmPhase.Creating)]
    [InlineData(VmPhase.Failed)]
    [InlineData(VmPhase.Pending)]
    public void Observe_NotRunningInOnePass_StartsOver(VmPhase between)
    {
        var clock = new RunningClock(_time);
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));
        _time.Advance(TimeSpan.FromMinutes(1));
        var gap = clock.Observe(Seen(("cp-1", "a", between)));
        _time.Advance(TimeSpan.FromMinutes(1));

        var running = clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));

        Assert.False(gap.ContainsKey("cp-1"));
        Assert.Equal(TimeSpan.Zero, running["cp-1"]);
    }

    [Fact]
    public void Observe_RunningAnotherSpec_StartsOver()
    {
        var clock = new RunningClock(_time);
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));
        _time.Advance(TimeSpan.FromMinutes(1));

        var running = clock.Observe(Seen(("cp-1", "b", VmPhase.Running)));

        Assert.Equal(TimeSpan.Zero, running["cp-1"]);
    }

    [Fact]
    public void Observe_ItsHostNotHeardFromForAPass_StartsOver()
    {
        var clock = new RunningClock(_time);
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));
        _time.Advance(TimeSpan.FromMinutes(1));
        clock.Observe(new Dictionary<string, ObservedHost> { ["sled-1"] = new("sled-1", null, "unreachable", Applied: false) });
        _time.Advance(TimeSpan.FromMinutes(1));

        var running = clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));

        Assert.Equal(TimeSpan.Zero, running["cp-1"]);
    }

    [Fact]
    public void Observe_VmsOnSeveralHosts_EachTimedOnItsOwn()
    {
        var clock = new RunningClock(_time);
        clock.Observe(Seen(("cp-1", "a", VmPhase.Running)));
        _time.Advance(TimeSpan.FromSeconds(5));

        var running = clock.Observe(new Dictionary<string, ObservedHost>
        {
            ["sled-1"] = Host("sled-1", ("cp-1", "a", VmPhase.Running, null)),
            ["sled-2"] = Host("sled-2", ("cp-2", "a", VmPhase.Running, null), ("w-1", "a", VmPhase.Creating, null)),
        });

        Assert.Equal(TimeSpan.FromSeconds(5), running["cp-1"]);
        Assert.Equal(TimeSpan.Zero, running["cp-2"]);
        Assert.False(running.ContainsKey("w-1"));
    }

    private static Dictionary<string, ObservedHost> Seen((string Id, string Hash, VmPhase Phase) vm) =>
        new() { ["sled-1"] = Host("sled-1", (vm.Id, vm.Hash, vm.Phase, null)) };

    private static Dictionary<string, ObservedHost> Seen((string Id, string Hash, VmPhase Phase, DateTimeOffset? Since) vm) =>
        new() { ["sled-1"] = Host("sled-1", vm) };

    private static ObservedHost Host(string host, params (string Id, string Hash, VmPhase Phase, DateTimeOffset? Since)[] vms) =>
        new(host, new HostReport(host, 1, "spec", null, null, [.. vms.Select(v => new VmReport(v.Id, "cluster-a", v.Hash, v.Phase, string.Empty, v.Since, 0))], null), null, Applied: false);
}
