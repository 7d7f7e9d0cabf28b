using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>
/// Control planes replaced one at a time, each only after the one before has run for ControlPlaneSettle on the
/// reconciler's (fake) clock; a failing one halts the rollout; a suspended cluster is frozen.
/// </summary>
public sealed class ReconcilePassRolloutTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_ControlPlanesResized_ReleasedOneAtATimeEachAfterTheOneBeforeRanForTheSettleTime()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var old = ControlPlanes(fleet);

        ResizeControlPlanes(fleet);
        var first = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converging, first.Outcome);
        Assert.Equal(1, Replaced(fleet, old));
        Assert.Contains("reason: RollingControlPlanes", fleet.Status.File("status/fleet.yaml"));

        // The replaced one runs (the fake boots at once), but has not run for the settle time: the next waits.
        await pass.RunAsync();
        Assert.Equal(1, Replaced(fleet, old));
        fleet.Clock.Advance(Settle - TimeSpan.FromMilliseconds(1));
        await pass.RunAsync();
        Assert.Equal(1, Replaced(fleet, old));

        fleet.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await pass.RunAsync();
        Assert.Equal(2, Replaced(fleet, old));

        await pass.RunAsync();
        fleet.Clock.Advance(Settle);
        var last = await pass.RunAsync();
        Assert.Equal(3, Replaced(fleet, old));
        Assert.Equal(ReconcileOutcome.Converged, last.Outcome);
        Assert.Equal(3, fleet.Agents.Applies.Count(a => a.Revision == fleet.Source.Head)); // one host at a time
    }

    [Fact]
    public async Task RunAsync_ControlPlanesChanging_AsksEveryAgentBeforeItReleases_OtherwiseReadsTheirStreams()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        await pass.RunAsync();
        Assert.Equal(0, fleet.Agents.Asks);

        // A release must not rest on a stream's last word from a host that went silent: the pass asks.
        ResizeControlPlanes(fleet);
        await pass.RunAsync(resync: false);
        Assert.Equal(1, fleet.Agents.Asks);
        fleet.Clock.Advance(Settle);
        await pass.RunAsync();
        Assert.Equal(2, fleet.Agents.Asks);
    }

    [Fact]
    public async Task RunAsync_ReplacedControlPlaneRestartsBeforeItSettled_TheSettleTimeStartsOver()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var old = ControlPlanes(fleet);
        ResizeControlPlanes(fleet);
        await pass.RunAsync(resync: false);
        var replaced = ControlPlanes(fleet).Single(c => c.Value != old[c.Key]).Key;
        await pass.RunAsync();

        fleet.Clock.Advance(Settle / 2);
        HostOf(fleet, replaced).Set(replaced, VmPhase.Creating); // it crashed and is coming back
        await pass.RunAsync();
        HostOf(fleet, replaced).Set(replaced, VmPhase.Running);
        await pass.RunAsync();
        fleet.Clock.Advance(Settle / 2);
        await pass.RunAsync();

        Assert.Equal(1, Replaced(fleet, old)); // a minute of wall time since the replacement, but not half a minute running since it came back
        fleet.Clock.Advance(Settle / 2);
        await pass.RunAsync();
        Assert.Equal(2, Replaced(fleet, old));
    }

    [Fact]
    public async Task RunAsync_ReplacedControlPlaneFailsOnTheNewSpec_HaltsTheRolloutUntilItRunsAgain()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var old = ControlPlanes(fleet);
        ResizeControlPlanes(fleet);
        await pass.RunAsync(resync: false);
        var replaced = ControlPlanes(fleet).Single(c => c.Value != old[c.Key]).Key;

        HostOf(fleet, replaced).Set(replaced, VmPhase.Failed, "kubelet exited");
        fleet.Clock.Advance(TimeSpan.FromHours(1));
        var halted = await pass.RunAsync();
        fleet.Clock.Advance(TimeSpan.FromHours(1));
        await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converging, halted.Outcome);
        Assert.Equal(1, Replaced(fleet, old));
        Assert.Contains("RolloutHalted", fleet.Status.File("status/clusters/cluster-a.yaml"));
        Assert.Contains("reason: RolloutHalted", fleet.Status.File("status/fleet.yaml"));

        HostOf(fleet, replaced).Set(replaced, VmPhase.Running);
        await pass.RunAsync();
        fleet.Clock.Advance(Settle);
        await pass.RunAsync();
        Assert.Equal(2, Replaced(fleet, old));
    }

    [Fact]
    public async Task RunAsync_ReleasedControlPlanesHostRefusesTheApplyOnce_TheRolloutGoesOnWhenItTakesSpecsAgain()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var old = ControlPlanes(fleet);
        var first = HostOf(fleet, "cluster-a-cp-1"); // the first released: no control plane failed, so by name

        ResizeControlPlanes(fleet);
        first.RefusesApplies = "not enough memory";
        var refused = await pass.RunAsync(resync: false);
        Assert.Equal(0, Replaced(fleet, old));
        Assert.Contains("agent refused", fleet.Status.File($"status/hosts/{first.Host}.yaml"));

        first.RefusesApplies = null;
        for (var i = 0; i < 10 && Replaced(fleet, old) < 3; i++)
        {
            fleet.Clock.Advance(Settle);
            await pass.RunAsync();
        }

        Assert.Equal(ReconcileOutcome.Converging, refused.Outcome);
        Assert.Equal(3, Replaced(fleet, old));
    }

    [Fact]
    public async Task RunAsync_ControlPlanesResizedAndTheStatusBranchIsGone_StillReplacedOneAtATime()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var old = ControlPlanes(fleet);

        // Judged from what the agents run, not from the status branch.
        fleet.Source.Heads.TryRemove("liquidmetal/status", out _);
        ResizeControlPlanes(fleet);
        await pass.RunAsync(resync: false);
        Assert.Equal(1, Replaced(fleet, old));
        await pass.RunAsync();
        fleet.Clock.Advance(Settle);
        await pass.RunAsync();

        Assert.Equal(2, Replaced(fleet, old));
    }

    [Fact]
    public async Task RunAsync_SuspendedCluster_FrozenWhileOthersChangeThenResumed()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        fleet.Source.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 5  # demo: workers", StringComparison.Ordinal) + "  suspend: true\n");
        fleet.Source.Replace("clusters/cluster-a.yaml", "replicas: 3\n      vcpu: 4", "replicas: 4\n      vcpu: 4");
        var suspended = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, suspended.Outcome);
        Assert.Equal(13, fleet.RunningVms); // cluster-a's extra worker, not cluster-b's two
        Assert.Contains("phase: Suspended", fleet.Status.File("status/clusters/cluster-b.yaml"));

        fleet.Source.Replace("clusters/cluster-b.yaml", "  suspend: true\n", string.Empty);
        Assert.Equal(ReconcileOutcome.Converged, (await pass.RunAsync(resync: false)).Outcome);
        Assert.Equal(15, fleet.RunningVms);
    }

    /// <summary>
    /// Two reconcilers look a moment apart: A sees three healthy control planes and chooses cp-1; B, a moment later,
    /// sees cp-2 fail and chooses it (a failed one goes first), and records its release first. A's record then loses
    /// the race: A reads B's and replaces cp-2 as well, never cp-1. One control plane down, not two.
    /// </summary>
    [Fact]
    public async Task RunAsync_TwoReconcilersChooseDifferentControlPlanes_TheReleaseRecordedFirstDecidesForBoth()
    {
        var fleet = new FakeFleet();
        await using var a = fleet.Pass();
        await using var b = fleet.Pass();
        await a.RunAsync();
        await b.RunAsync();
        fleet.Clock.Advance(Settle);
        await a.RunAsync();
        await b.RunAsync(); // both have seen every VM run for the settle time
        var old = ControlPlanes(fleet);
        ResizeControlPlanes(fleet);

        // A has observed and decided; just before it records its release, B runs a whole pass.
        ReconcileResult? bPass = null;
        fleet.Status.BeforeNextPush = _ =>
        {
            HostOf(fleet, "cluster-a-cp-2").Set("cluster-a-cp-2", VmPhase.Failed, "etcd exited");
            bPass = Task.Run(() => b.RunAsync(resync: false)).GetAwaiter().GetResult();
        };
        var aPass = await a.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converging, bPass?.Outcome);
        Assert.Equal(ReconcileOutcome.Converging, aPass.Outcome);
        Assert.Equal(["cluster-a-cp-2"], ControlPlanes(fleet).Where(c => c.Value != old[c.Key]).Select(c => c.Key));
        Assert.Contains("vm: cluster-a-cp-2", fleet.Status.File(ControlPlaneRelease.PathOf("cluster-a")));
        Assert.Single(fleet.Status.Pushed, p => p.Message.StartsWith("rollout: cluster-a: replacing cluster-a-cp-2", StringComparison.Ordinal));
    }

    /// <summary>
    /// B reads the status branch, then A records cp-1's release and tells its agent, then B looks at the agents and
    /// sees cp-1 stopping on its old spec. B must plan on A's record (it reads the branch again), not put the old
    /// spec back from rendered/, which A has written already here but need not have.
    /// </summary>
    [Fact]
    public async Task RunAsync_AnotherReconcilerReleasedAControlPlaneAfterThisPassReadTheBranch_ItsNewSpecStays()
    {
        var fleet = new FakeFleet();
        var hooked = new HookedAgentPool(fleet.Agents);
        await using var a = fleet.Pass();
        await using var b = new ReconcilePass(fleet.Options, fleet.Source, fleet.Status, hooked, fleet.Clock);
        await a.RunAsync();
        await b.RunAsync();
        fleet.Clock.Advance(Settle);
        await a.RunAsync();
        await b.RunAsync();
        var old = ControlPlanes(fleet);
        ResizeControlPlanes(fleet);

        hooked.BeforeNextObserve = () => Task.Run(() => a.RunAsync(resync: false)).GetAwaiter().GetResult();
        hooked.OnNextObserved = observed => observed.ToDictionary(
            pair => pair.Key,
            pair => pair.Value.Report is { } report && report.Vms.Any(vm => vm.Id == "cluster-a-cp-1")
                ? pair.Value with { Report = report with { Vms = [.. report.Vms.Select(vm => vm.Id == "cluster-a-cp-1" ? vm with { Hash = old["cluster-a-cp-1"], Phase = VmPhase.Deleting } : vm)] } }
                : pair.Value);
        await b.RunAsync(resync: false);

        Assert.NotEqual(old["cluster-a-cp-1"], ControlPlanes(fleet)["cluster-a-cp-1"]);
        Assert.Equal(["cluster-a-cp-1"], ControlPlanes(fleet).Where(c => c.Value != old[c.Key]).Select(c => c.Key));
    }

    private static void ResizeControlPlanes(FakeFleet fleet) =>
        fleet.Source.Replace("clusters/cluster-a.yaml", "    vcpu: 2\n    memoryMiB: 4096\n    endpoint", "    vcpu: 3\n    memoryMiB: 4096\n    endpoint");

    private static Dictionary<string, string> ControlPlanes(FakeFleet fleet) =>
        fleet.Agents.Agents.SelectMany(a => a.Vms).Where(vm => vm.Id.StartsWith("cluster-a-cp-", StringComparison.Ordinal)).ToDictionary(vm => vm.Id, vm => vm.Hash);

    private static int Replaced(FakeFleet fleet, Dictionary<string, string> old) => ControlPlanes(fleet).Count(c => c.Value != old[c.Key]);

    private static FakeAgent HostOf(FakeFleet fleet, string vm) => fleet.Agents.Agents.Single(a => a.Vms.Any(v => v.Id == vm));
}
