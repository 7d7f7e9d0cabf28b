using System.Text;
using System.Text.RegularExpressions;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>What a pass writes to the status branch when others write there too, and what it logs.</summary>
public sealed class ReconcilePassStatusTests
{
    [Fact]
    public async Task RunAsync_StatusPushLosesARace_IsComposedAgainOnTheWinnersCommit()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        // Another writer's commit lands just before the reconciler's push: a note, and cluster-a's conditions true
        // since another time.
        fleet.Status.BeforeNextPush = tip => fleet.Status.CommitByHand(tip, files => files
            .SetItem("NOTES.md", "sled-2 is on the bench until Friday"u8.ToArray())
            .SetItem("status/clusters/cluster-a.yaml", Encoding.UTF8.GetBytes(Regex.Replace(Encoding.UTF8.GetString(files["status/clusters/cluster-a.yaml"]), "since: .*", "since: 2001-02-03T04:05:06Z"))));
        fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Equal(fleet.Status.Tip, result.StatusCommit);
        Assert.Equal("sled-2 is on the bench until Friday", fleet.Status.File("NOTES.md"));
        Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 7/7", fleet.Status.Pushed[^1].Message);
        Assert.Equal(13, fleet.RunningVms);
        Assert.Contains("since: 2001-02-03T04:05:06Z", fleet.Status.File("status/clusters/cluster-a.yaml")); // the winner's times kept
        Assert.DoesNotContain("since: 2001-02-03T04:05:06Z", fleet.Status.File("status/clusters/cluster-b.yaml"));
    }

    [Fact]
    public async Task RunAsync_RejectionLosesARace_KeepsTheWinnersFilesAndAddsOnlyTheErrors()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        fleet.Status.BeforeNextPush = tip => fleet.Status.CommitByHand(tip, files => files.SetItem("NOTES.md", "a note"u8.ToArray()));
        fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: many");
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Rejected, result.Outcome);
        Assert.Equal(fleet.Status.Tip, result.StatusCommit);
        Assert.Equal("a note", fleet.Status.File("NOTES.md"));
        Assert.Contains("replicas", fleet.Status.File("status/fleet.yaml"));
    }

    [Fact]
    public async Task RunAsync_ConditionsThatDidNotChange_KeepTheTimeTheyLastChanged()
    {
        var fleet = new FakeFleet();
        fleet.Agents.BootTo = VmPhase.Creating;
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var converging = fleet.Clock.GetUtcNow();

        fleet.Clock.Advance(TimeSpan.FromMinutes(5));
        foreach (var agent in fleet.Agents.Agents)
        {
            agent.BootAll();
        }

        await pass.RunAsync();
        fleet.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = await pass.RunAsync(resync: true);

        Assert.Null(again.StatusCommit);
        var status = fleet.Status.File("status/fleet.yaml")!;
        Assert.Contains($"since: {converging.AddMinutes(5):yyyy-MM-ddTHH:mm:ssZ}", status);
        Assert.DoesNotContain($"since: {converging.AddMinutes(10):yyyy-MM-ddTHH:mm:ssZ}", status);
    }

    [Fact]
    public async Task RunAsync_VmsComeUpAndAnAgentGoesAway_EachChangeLoggedOnceWithRevisionHostClusterAndVm()
    {
        var fleet = new FakeFleet();
        fleet.Agents.BootTo = VmPhase.Creating;
        await using var pass = fleet.Pass();

        await pass.RunAsync();
        foreach (var agent in fleet.Agents.Agents)
        {
            agent.BootAll();
        }

        await pass.RunAsync();
        await pass.RunAsync();
        fleet.Agents["sled-3"].Down = true;
        await pass.RunAsync();
        await pass.RunAsync();

        var running = fleet.Log.Of(512).Where(e => (string?)e.Fields["To"] == "Running").ToList();
        Assert.Equal(12, running.Count); // each VM's way to Running, once, not once per pass
        Assert.All(running, e =>
        {
            Assert.Equal(fleet.Source.Head, e.Fields["Revision"]);
            Assert.StartsWith("sled-", (string)e.Fields["Host"]!, StringComparison.Ordinal);
            Assert.StartsWith("cluster-", (string)e.Fields["Cluster"]!, StringComparison.Ordinal);
            Assert.StartsWith((string)e.Fields["Cluster"]! + "-", (string)e.Fields["Vm"]!, StringComparison.Ordinal);
        });
        Assert.Equal(12, fleet.Log.Of(512).Count(e => (string?)e.Fields["From"] == "absent" && (string?)e.Fields["To"] == "Creating"));
        Assert.Equal(5, fleet.Log.Of(510).Count); // one Apply per host
        var lost = Assert.Single(fleet.Log.Of(511)); // sled-3 went away: said once over two passes
        Assert.Equal("sled-3", lost.Fields["Host"]);
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.Empty(fleet.Log.Of(514)); // its VMs are not "gone": it was not heard from
    }
}
