using LiquidMetal.Git;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>A pass over fleet-example on in-memory fakes: what it reads, applies and writes, and when it does nothing.</summary>
public sealed class ReconcilePassTests
{
    [Fact]
    public async Task RunAsync_FleetExample_AppliesEveryHostOnceAndWritesConvergedStatus()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Equal(fleet.Source.Head, result.Revision);
        Assert.Equal(["sled-1", "sled-2", "sled-3", "sled-4", "sled-5"], fleet.Agents.Applies.Select(a => a.Host).Order());
        Assert.All(fleet.Agents.Applies, a => Assert.Equal(fleet.Source.Head, a.Revision));
        Assert.Equal(12, fleet.RunningVms);
        var (commit, message) = Assert.Single(fleet.Status.Pushed);
        Assert.Equal(commit, result.StatusCommit);
        Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 6/6", message);
        Assert.Contains($"Fleet-Revision: {fleet.Source.Head}", message);
        Assert.Contains($"appliedRevision: {fleet.Source.Head}", fleet.Status.File("status/fleet.yaml"));
    }

    [Fact]
    public async Task RunAsync_PollAfterAConvergedPass_IsIdleAndReadsAppliesAndWritesNothing()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        Assert.True((await pass.RunAsync()).Converged);
        var (syncs, fleetReads, statusReads, writes, observed, applies) = (fleet.Source.Syncs, fleet.Source.FleetReads, fleet.Status.Reads, fleet.Status.Writes, fleet.Agents.Observed.Count, fleet.Agents.Applies.Count);

        var idle = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Idle, idle.Outcome);
        Assert.Equal(fleet.Source.Head, idle.Revision);
        Assert.Null(idle.StatusCommit);
        Assert.Equal(syncs + 1, fleet.Source.Syncs); // it asked the remote for its heads, and that is all
        Assert.Equal(fleetReads, fleet.Source.FleetReads);
        Assert.Equal(statusReads, fleet.Status.Reads);
        Assert.Equal(writes, fleet.Status.Writes);
        Assert.Equal(observed, fleet.Agents.Observed.Count);
        Assert.Equal(applies, fleet.Agents.Applies.Count);
    }

    [Fact]
    public async Task RunAsync_PollAfterThePersonMovedTheStatusBranch_IsAFullPass()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        fleet.Status.CommitByHand(fleet.Status.Tip, files => files.SetItem("NOTES.md", "sled-3 gets a new fan"u8.ToArray()));
        var observed = fleet.Agents.Observed.Count;

        var poll = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, poll.Outcome);
        Assert.Null(poll.StatusCommit); // nothing the reconciler owns changed
        Assert.Equal(observed + 5, fleet.Agents.Observed.Count);
        Assert.Equal("sled-3 gets a new fan", fleet.Status.File("NOTES.md"));
    }

    [Fact]
    public async Task RunAsync_ResyncAfterAConvergedPass_AsksEveryAgentAndChangesNothing()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var (observed, applies) = (fleet.Agents.Observed.Count, fleet.Agents.Applies.Count);

        var resync = await pass.RunAsync(resync: true);

        Assert.Equal(ReconcileOutcome.Converged, resync.Outcome);
        Assert.Null(resync.StatusCommit);
        Assert.Equal(["sled-1", "sled-2", "sled-3", "sled-4", "sled-5"], fleet.Agents.Observed.Skip(observed).Order());
        Assert.Equal(applies, fleet.Agents.Applies.Count);
        Assert.Single(fleet.Status.Pushed);
    }

    [Fact]
    public async Task RunAsync_VmsRemovedByHand_APollDoesNotSeeItAResyncPutsThemBack()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var sled1 = fleet.Agents["sled-1"];
        var vms = sled1.Vms.Length;
        sled1.RunNothing();

        var poll = await pass.RunAsync(resync: false);
        Assert.Equal(ReconcileOutcome.Idle, poll.Outcome);
        Assert.Empty(sled1.Vms);

        var resync = await pass.RunAsync(resync: true);
        Assert.Equal(ReconcileOutcome.Converged, resync.Outcome);
        Assert.Equal(vms, sled1.Vms.Length);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task RunAsync_ScaleUp_CreatesOneVmAndMovesNothing()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var before = fleet.Agents.Agents.ToDictionary(a => a.Host, a => a.Vms.ToDictionary(v => v.Id, v => v.Hash));

        fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Equal(13, fleet.RunningVms);
        var applied = Assert.Single(fleet.Agents.Applies.Skip(5));
        foreach (var (host, vms) in before)
        {
            var now = fleet.Agents[host].Vms.ToDictionary(v => v.Id, v => v.Hash);
            Assert.All(vms, vm => Assert.Equal(vm.Value, now[vm.Key])); // where it was, with the spec it had
            Assert.Equal(host == applied.Host ? vms.Count + 1 : vms.Count, now.Count);
        }
    }

    [Fact]
    public async Task RunAsync_HostReservesMoreWithTheSameWork_RenderedDocumentSaysSoAndNothingIsApplied()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var generation = fleet.Agents["sled-3"].Generation;

        fleet.Source.Replace("hosts/sled-3.yaml", "  reserved:\n    cpu: 2", "  reserved:\n    cpu: 6");
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Contains("allocatable:\n  cpu: 26\n", fleet.Status.File("rendered/hosts/sled-3.yaml"));
        Assert.Contains("allocatable:\n  cpu: 30\n", fleet.Status.File("rendered/hosts/sled-2.yaml"));
        Assert.Equal(generation, fleet.Agents["sled-3"].Generation);
        Assert.Equal(5, fleet.Agents.Applies.Count);
    }

    [Fact]
    public async Task RunAsync_HistoryRewrittenWithoutACluster_ConvergesOnTheNewHistory()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        // A new root commit, force-pushed: the same fleet without cluster-b.
        fleet.Source.Heads[fleet.Source.Branch] = fleet.Source.Commit(fleet.Source.FilesAt(fleet.Source.Head).Remove("clusters/cluster-b.yaml"));
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Equal(fleet.Source.Head, result.Revision);
        Assert.Equal(6, fleet.RunningVms); // cluster-a's microVMs; cluster-b's are gone
        Assert.DoesNotContain("cluster-b", fleet.Status.Pushed[^1].Message.Split('\n')[0]);
    }

    [Fact]
    public async Task RunAsync_FleetBranchDeleted_FailsAndWhatRunsStays()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var (applies, pushed) = (fleet.Agents.Applies.Count, fleet.Status.Pushed.Count);

        fleet.Source.Heads.TryRemove(fleet.Source.Branch, out _);
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Failed, result.Outcome);
        Assert.Null(result.Revision);
        Assert.Contains("no branch main", Assert.Single(result.Errors).Message);
        Assert.Equal(applies, fleet.Agents.Applies.Count);
        Assert.Equal(pushed, fleet.Status.Pushed.Count);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task RunAsync_RemoteUnreachable_ThrowsAndTouchesNothing()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        fleet.Source.SyncFails = new GitException("git ls-remote: no answer from the remote");

        await Assert.ThrowsAsync<GitException>(() => pass.RunAsync());

        Assert.Equal(5, fleet.Agents.Applies.Count);
        Assert.Single(fleet.Status.Pushed);
    }
}
