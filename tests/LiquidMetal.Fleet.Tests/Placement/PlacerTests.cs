using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using static LiquidMetal.Fleet.Tests.Placement.TestFleet;

namespace LiquidMetal.Fleet.Tests.Placement;

public class PlacerTests
{
    [Fact]
    public void Place_ControlPlane_DistinctHostsInDistinctFailureDomainsFirst()
    {
        // Two hosts per domain in a and b, one in c: three replicas must land in a, b and c.
        var fleet = Make([Host("a1", "a"), Host("a2", "a"), Host("b1", "b"), Host("b2", "b"), Host("c1", "c")], [Cluster("k")]);

        var result = Placer.Place(fleet);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var hosts = new[] { "k-cp-1", "k-cp-2", "k-cp-3" }.Select(n => result.Placement.HostByNode[n]).ToList();
        Assert.Equal(3, hosts.Distinct().Count());
        Assert.Equal(["a", "b", "c"], hosts.Select(h => fleet.Hosts.Single(x => x.Name == h).FailureDomain).Order());
    }

    [Fact]
    public void Place_ControlPlane_OnlyOnHostsThatAllowIt()
    {
        var fleet = Make([Host("h1"), Host("h2"), Host("h3"), Host("w1", controlPlane: false), Host("w2", controlPlane: false)], [Cluster("k")]);

        var result = Placer.Place(fleet);

        Assert.All(new[] { "k-cp-1", "k-cp-2", "k-cp-3" }, n => Assert.StartsWith("h", result.Placement.HostByNode[n]));
    }

    [Fact]
    public void Place_MoreControlPlanesThanHosts_FailsNamingClusterAndRule()
    {
        var fleet = Make([Host("h1"), Host("h2")], [Cluster("k")]);

        var result = Placer.Place(fleet);

        var error = Assert.Single(result.Diagnostics);
        Assert.Contains("cluster k", error.Message);
        Assert.Contains("k-cp-3", error.Message);
        Assert.Contains("distinct hosts", error.Message);
    }

    [Fact]
    public void Place_MemoryNeverOvercommitted_ShortfallNamesResourceAndAmount()
    {
        // 10 GiB host, 2 GiB reserved: 8 GiB allocatable; three 4 GiB workers cannot all fit.
        var fleet = Make(
            [Host("h1", cpu: 64, memory: 10240, reserved: new Resources(0, 2048))],
            [Cluster("k", controlPlanes: 1, cpVcpu: 1, cpMemory: 1024, pools: Pool("w", 3, vcpu: 1, memory: 4096))],
            overcommit: 4);

        var result = Placer.Place(fleet);

        var error = Assert.Single(result.Diagnostics);
        Assert.Contains("cannot place k-w-2", error.Message);
        Assert.Contains("rule 'capacity'", error.Message);
        Assert.Contains("3072 MiB free", error.Message);
        Assert.Contains("short 1024 MiB memory", error.Message);
        Assert.Contains("2 nodes of this pool", error.Message);
        Assert.Equal("h1", result.Placement.HostByNode["k-w-1"]);
    }

    [Theory]
    [InlineData(1.0, 4, true)]
    [InlineData(1.0, 5, false)]
    [InlineData(2.0, 8, true)]
    [InlineData(2.0, 9, false)]
    public void Place_VcpuUpToAllocatableTimesOvercommit(double overcommit, int vcpus, bool fits)
    {
        // 6 cores, 2 reserved: 4 allocatable cores.
        var fleet = Make(
            [Host("h1", cpu: 6, memory: 65536, reserved: new Resources(2, 0))],
            [Cluster("k", controlPlanes: 1, cpVcpu: 1, cpMemory: 256, pools: Pool("w", vcpus - 1, vcpu: 1, memory: 256))],
            overcommit);

        Assert.Equal(fits, Placer.Place(fleet).Succeeded);
    }

    [Fact]
    public void Place_Spread_WorkersOnDifferentHosts()
    {
        var fleet = Make([Host("h1"), Host("h2"), Host("h3")], [Cluster("k", controlPlanes: 1, pools: Pool("w", 3))]);

        var result = Placer.Place(fleet);

        Assert.Equal(3, new[] { "k-w-1", "k-w-2", "k-w-3" }.Select(n => result.Placement.HostByNode[n]).Distinct().Count());
    }

    [Fact]
    public void Place_Pack_FillsTheFullestHostThatFits()
    {
        var fleet = Make(
            [Host("h1", cpu: 8, memory: 16384), Host("h2", cpu: 8, memory: 16384), Host("h3", cpu: 8, memory: 16384)],
            [Cluster("k", controlPlanes: 1, pools: Pool("w", 4, vcpu: 2, memory: 4096))],
            spread: WorkerSpreadPolicy.Pack);

        var result = Placer.Place(fleet);

        // The control plane (2 vCPU, 4 GiB) went to h1; packing puts three workers beside it, the fourth on the next host.
        var onH1 = result.Placement.HostByNode.Count(p => p.Value == "h1");
        Assert.Equal(4, onH1);
        Assert.Equal(2, result.Placement.HostByNode.Values.Distinct().Count());
    }

    [Fact]
    public void Place_HostSelector_OnlySelectedHosts()
    {
        var fleet = Make(
            [Host("h1"), Host("h2"), Host("g1", labels: ("gpu", "yes")), Host("g2", labels: ("gpu", "yes"))],
            [Cluster("k", controlPlanes: 1, pools: Pool("gpu", 4, vcpu: 1, memory: 1024, selector: ("gpu", "yes")))]);

        var result = Placer.Place(fleet);

        Assert.All(Enumerable.Range(1, 4), i => Assert.StartsWith("g", result.Placement.HostByNode[$"k-gpu-{i}"]));
    }

    [Fact]
    public void Place_ClusterSelector_AppliesToControlPlaneAndWorkers()
    {
        var fleet = Make(
            [.. Enumerable.Range(1, 3).Select(i => Host($"a{i}", labels: ("site", "a"))), .. Enumerable.Range(1, 3).Select(i => Host($"b{i}", labels: ("site", "b")))],
            [Cluster("k", selector: Labels(("site", "b")), pools: Pool("w", 3))]);

        var result = Placer.Place(fleet);

        Assert.True(result.Succeeded);
        Assert.All(result.Placement.HostByNode.Values, h => Assert.StartsWith("b", h));
    }

    [Fact]
    public void Place_MetalPool_ClaimsWholeHostsThatRunNoMicrovms()
    {
        var fleet = Make(
            [Host("h1"), Host("h2"), Host("h3"), Host("m1", roles: HostRoles.Metal | HostRoles.Microvm, controlPlane: false), Host("m2", roles: HostRoles.Metal, controlPlane: false)],
            [Cluster("k", pools: [Pool("upf", 2, mode: PoolMode.Metal), Pool("w", 6, vcpu: 1, memory: 1024)])]);

        var result = Placer.Place(fleet);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var metal = new[] { result.Placement.HostByNode["k-upf-1"], result.Placement.HostByNode["k-upf-2"] };
        Assert.Equal(["m1", "m2"], metal.Order());
        var microvmHosts = result.Placement.HostByNode.Where(p => !p.Key.Contains("upf")).Select(p => p.Value).ToHashSet();
        Assert.DoesNotContain("m1", microvmHosts);
        Assert.DoesNotContain("m2", microvmHosts);
    }

    [Fact]
    public void Place_MetalHostAlreadyRunningMicrovms_IsNotClaimed()
    {
        var hosts = new[] { Host("h1", controlPlane: true, roles: HostRoles.Metal | HostRoles.Microvm), Host("h2"), Host("h3") };
        var before = Placer.Place(Make(hosts, [Cluster("k")]));
        var previous = Previous(before);

        var after = Placer.Place(Make(hosts, [Cluster("k"), Cluster("m", controlPlanes: 0, pools: Pool("upf", 1, mode: PoolMode.Metal))]), previous);

        var error = Assert.Single(after.Diagnostics);
        Assert.Contains("1 running microVMs", error.Message);
    }

    [Fact]
    public void Place_WithPrevious_UnrelatedClusterAddedMovesNothing()
    {
        var hosts = Enumerable.Range(1, 5).Select(i => Host($"h{i}")).ToList();
        var before = Placer.Place(Make(hosts, [Cluster("b", pools: Pool("w", 4))]));

        // "a" sorts first and would take the emptiest hosts if placement started from scratch.
        var after = Placer.Place(Make(hosts, [Cluster("a", pools: Pool("w", 5)), Cluster("b", pools: Pool("w", 4))]), Previous(before));

        Assert.True(after.Succeeded);
        Assert.All(before.Placement.HostByNode, p => Assert.Equal(p.Value, after.Placement.HostByNode[p.Key]));
    }

    [Fact]
    public void Place_WithPrevious_OtherClusterGrowingOnAFullHostMovesOnlyItsOwnNodes()
    {
        // Two hosts each exactly full: growing cluster "a" must move a's nodes, never b's.
        var hosts = new[] { Host("h1", cpu: 4, memory: 8192), Host("h2", cpu: 4, memory: 8192) };
        var small = new[] { Cluster("a", controlPlanes: 1, cpVcpu: 2, cpMemory: 4096), Cluster("b", controlPlanes: 2, cpVcpu: 2, cpMemory: 4096), Cluster("c", controlPlanes: 1, cpVcpu: 2, cpMemory: 4096) };
        var before = Placer.Place(Make(hosts, small));
        Assert.True(before.Succeeded);

        var grown = new[] { Cluster("a", controlPlanes: 1, cpVcpu: 2, cpMemory: 8192), small[1], small[2] };
        var after = Placer.Place(Make([.. hosts, Host("h3", cpu: 4, memory: 8192)], grown), Previous(before));

        Assert.True(after.Succeeded, string.Join("\n", after.Diagnostics));
        Assert.Equal(before.Placement.HostByNode["b-cp-1"], after.Placement.HostByNode["b-cp-1"]);
        Assert.Equal(before.Placement.HostByNode["b-cp-2"], after.Placement.HostByNode["b-cp-2"]);
        Assert.Equal(before.Placement.HostByNode["c-cp-1"], after.Placement.HostByNode["c-cp-1"]);
        Assert.Equal("h3", after.Placement.HostByNode["a-cp-1"]);
    }

    [Fact]
    public void Place_ScaleDown_RemovesHighestOrdinalsAndKeepsTheRest()
    {
        var hosts = Enumerable.Range(1, 4).Select(i => Host($"h{i}")).ToList();
        var before = Placer.Place(Make(hosts, [Cluster("k", pools: Pool("w", 5))]));

        var after = Placer.Place(Make(hosts, [Cluster("k", pools: Pool("w", 3))]), Previous(before));

        Assert.Equal(["k-cp-1", "k-cp-2", "k-cp-3", "k-w-1", "k-w-2", "k-w-3"], after.Placement.HostByNode.Keys);
        Assert.All(after.Placement.HostByNode, p => Assert.Equal(before.Placement.HostByNode[p.Key], p.Value));
    }

    [Fact]
    public void Place_PreviousHostRemoved_NodeMovesElsewhere()
    {
        var hosts = Enumerable.Range(1, 4).Select(i => Host($"h{i}")).ToList();
        var before = Placer.Place(Make(hosts, [Cluster("k")]));
        var gone = before.Placement.HostByNode["k-cp-1"];

        var after = Placer.Place(Make(hosts.Where(h => h.Name != gone), [Cluster("k")]), Previous(before));

        Assert.True(after.Succeeded);
        Assert.NotEqual(gone, after.Placement.HostByNode["k-cp-1"]);
        Assert.Equal(before.Placement.HostByNode["k-cp-2"], after.Placement.HostByNode["k-cp-2"]);
        Assert.Equal(3, after.Placement.HostByNode.Values.Distinct().Count());
    }

    [Fact]
    public void Place_SameInputs_SameOutput()
    {
        var hosts = Enumerable.Range(1, 7).Select(i => Host($"h{i}", $"fd{i % 3}", cpu: 8 + i, memory: 16384 + (i * 1024))).ToList();
        var clusters = Enumerable.Range(1, 4).Select(i => Cluster($"k{i}", pools: Pool("w", i + 1))).ToList();

        var first = Placer.Place(Make(hosts, clusters));
        var second = Placer.Place(Make(hosts.AsEnumerable().Reverse(), clusters.AsEnumerable().Reverse()));

        Assert.Equal(first.Placement.HostByNode, second.Placement.HostByNode);
    }

    internal static Dictionary<string, PlacedNode> Previous(PlacementResult result) =>
        result.Nodes.Where(n => result.Placement.HostByNode.ContainsKey(n.Name))
            .ToDictionary(n => n.Name, n => new PlacedNode(result.Placement.HostByNode[n.Name], n.Size));
}
