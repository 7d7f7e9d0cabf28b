using System.Text.Json;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Planning;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Fleet.Tests.Placement;
using static LiquidMetal.Fleet.Tests.Placement.TestFleet;

namespace LiquidMetal.Fleet.Tests.Planning;

public class PlannerTests
{
    private static readonly HostDefinition[] Hosts = [Host("h1"), Host("h2"), Host("h3"), Host("m1", roles: HostRoles.Metal, controlPlane: false)];

    private static Plan PlanOf(FleetDefinition before, FleetDefinition after)
    {
        var basePlacement = Placer.Place(before);
        var headPlacement = Placer.Place(after, PlacerTests.Previous(basePlacement));
        Assert.True(headPlacement.Succeeded, string.Join("\n", headPlacement.Diagnostics));
        return Planner.Diff(Renderer.Render(before, basePlacement), Renderer.Render(after, headPlacement), after, before.Clusters.Select(c => c.Name).ToHashSet());
    }

    [Fact]
    public void Diff_SameFleet_NoChanges()
    {
        var fleet = Make(Hosts, [Cluster("k", pools: Pool("w", 2))]);

        var plan = PlanOf(fleet, fleet);

        Assert.False(plan.HasChanges);
        Assert.All(plan.Hosts, h => Assert.Equal(HostChange.Unchanged, h.Change));
    }

    [Fact]
    public void Diff_ScaleUp_CreatesOnlyTheNewNode()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k", pools: Pool("w", 2))]), Make(Hosts, [Cluster("k", pools: Pool("w", 3))]));

        var action = Assert.Single(plan.Hosts.SelectMany(h => h.Actions));
        Assert.Equal((ActionKind.Create, "k-w-3", "pool w scaled up"), (action.Kind, action.Node, action.Reason));
        Assert.True(plan.HasChanges);
        var host = plan.Hosts.Single(h => h.Actions.Length == 1);
        Assert.Equal(host.AllocatedBefore + new Resources(2, 4096), host.AllocatedAfter);
    }

    [Fact]
    public void Diff_ScaleDown_DeletesTheHighestOrdinal()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k", pools: Pool("w", 3))]), Make(Hosts, [Cluster("k", pools: Pool("w", 2))]));

        var action = Assert.Single(plan.Hosts.SelectMany(h => h.Actions));
        Assert.Equal((ActionKind.Delete, "k-w-3", "pool w scaled down"), (action.Kind, action.Node, action.Reason));
    }

    [Fact]
    public void Diff_ControlPlaneResized_ReplacesEachWithTheFieldThatChanged()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k")]), Make(Hosts, [Cluster("k", cpVcpu: 4)]));

        var actions = plan.Hosts.SelectMany(h => h.Actions).ToList();
        Assert.Equal(3, actions.Count);
        Assert.All(actions, a =>
        {
            Assert.Equal(ActionKind.Replace, a.Kind);
            var change = Assert.Single(a.Changes);
            Assert.Equal(new FieldChange("vcpu", "2", "4"), change);
        });
    }

    [Fact]
    public void Diff_TemplateChanged_ReplaceSaysUserData()
    {
        var before = Cluster("k", controlPlanes: 1);
        var plan = PlanOf(Make(Hosts, [before]), Make(Hosts, [before with { UserDataTemplate = before.UserDataTemplate + "x: y\n" }]));

        var action = Assert.Single(plan.Hosts.SelectMany(h => h.Actions));
        Assert.Equal("userData", Assert.Single(action.Changes).Field);
        Assert.Contains("2 line(s)", action.Changes[0].Before);
        Assert.Contains("3 line(s)", action.Changes[0].After);
    }

    [Fact]
    public void Diff_ClusterRemovedAndAdded_DeletesAndCreatesWithReasons()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("old", controlPlanes: 1)]), Make(Hosts, [Cluster("new", controlPlanes: 1)]));

        var actions = plan.Hosts.SelectMany(h => h.Actions).OrderBy(a => a.Node).ToList();
        Assert.Equal([(ActionKind.Create, "new-cp-1", "new cluster"), (ActionKind.Delete, "old-cp-1", "cluster removed")], actions.Select(a => (a.Kind, a.Node, a.Reason)));
    }

    [Fact]
    public void Diff_SuspendedCluster_ChangesAreHeldAndDoNotCount()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k", pools: Pool("w", 1))]), Make(Hosts, [Cluster("k", pools: Pool("w", 2)) with { Suspend = true }]));

        var action = Assert.Single(plan.Hosts.SelectMany(h => h.Actions));
        Assert.True(action.Held);
        Assert.False(plan.HasChanges);
        Assert.Equal(1, plan.Held);
    }

    [Fact]
    public void Diff_MetalPoolAdded_ClaimsTheHost()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k", controlPlanes: 1)]), Make(Hosts, [Cluster("k", controlPlanes: 1, pools: Pool("upf", 1, mode: PoolMode.Metal))]));

        var host = plan.Hosts.Single(h => h.Host == "m1");
        var action = Assert.Single(host.Actions);
        Assert.Equal((ActionKind.Create, RoleNames.Metal), (action.Kind, action.Role));
        Assert.Contains("+ claim", PlanWriter.Text(plan));
    }

    [Fact]
    public void Diff_HostAddedAndRemoved_AreChanges()
    {
        var cluster = Cluster("k", controlPlanes: 1);
        var plan = PlanOf(Make([Host("h1"), Host("gone")], [cluster]), Make([Host("h1"), Host("fresh")], [cluster]));

        Assert.Equal(HostChange.Added, plan.Hosts.Single(h => h.Host == "fresh").Change);
        Assert.Equal(HostChange.Removed, plan.Hosts.Single(h => h.Host == "gone").Change);
        Assert.True(plan.HasChanges);
    }

    [Fact]
    public void Writers_TextMarkdownJson_SayTheSameThing()
    {
        var plan = PlanOf(Make(Hosts, [Cluster("k", pools: Pool("w", 2))]), Make(Hosts, [Cluster("k", cpVcpu: 4, pools: Pool("w", 3))]));

        var text = PlanWriter.Text(plan);
        var markdown = PlanWriter.Markdown(plan);
        using var json = JsonDocument.Parse(PlanWriter.JsonText(plan));

        Assert.StartsWith("Plan for fleet test: 1 to create, 3 to replace, 0 to delete", text);
        Assert.Contains("vcpu: 2 -> 4", text);
        Assert.StartsWith("### LiquidMetal plan: 1 to create, 3 to replace, 0 to delete", markdown);
        Assert.Contains("| host | create | replace | delete |", markdown);
        Assert.Contains("<details>", markdown);
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("create").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("summary").GetProperty("replace").GetInt32());
        Assert.True(json.RootElement.GetProperty("hasChanges").GetBoolean());
        Assert.Equal("replace", json.RootElement.GetProperty("hosts")[0].GetProperty("actions")[0].GetProperty("action").GetString());
    }

    [Fact]
    public void Writers_NoticesFromTheStatusBranch_InEveryFormatEvenWithoutChanges()
    {
        var fleet = Make(Hosts, [Cluster("k", pools: Pool("w", 2))]);
        var plan = PlanOf(fleet, fleet) with { Notices = [new HostNotice("h2", "CapacityMatches", "AgentOffersLess", "the agent offers 8 vCPU | 4096 MiB")] };

        var text = PlanWriter.Text(plan);
        var markdown = PlanWriter.Markdown(plan);
        using var json = JsonDocument.Parse(PlanWriter.JsonText(plan));

        Assert.Contains("\nKnown from the status branch:\n  h2: CapacityMatches=False (AgentOffersLess): the agent offers 8 vCPU | 4096 MiB\n", text);
        Assert.Contains("**Known from the status branch:**\n\n- `h2`: CapacityMatches=False (AgentOffersLess): the agent offers 8 vCPU \\| 4096 MiB\n", markdown);
        Assert.Contains("No host changes", markdown);
        var notice = Assert.Single(json.RootElement.GetProperty("notices").EnumerateArray());
        Assert.Equal("h2", notice.GetProperty("host").GetString());
        Assert.False(notice.GetProperty("status").GetBoolean());
        Assert.False(plan.HasChanges);
    }
}
