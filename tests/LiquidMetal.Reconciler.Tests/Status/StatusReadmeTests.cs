using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Status.Pages;

namespace LiquidMetal.Reconciler.Tests.Status;

public sealed class StatusReadmeTests
{
    private static readonly DateTimeOffset Noon = ExampleStatus.Noon;

    [Fact]
    public void Compose_FleetExample_ConditionTablesAndWhatFailsWithWhy()
    {
        var readme = Readme(ExampleStatus.Compose().Files);

        Assert.StartsWith("<!-- liquidmetal status: ", readme);
        Assert.Contains("\n# Fleet openedge-lab: Stalled\n", readme);
        Assert.Contains("\n- **Stalled** since 2026-11-24 12:00 UTC (HostsUnreachable): unreachable: sled-4\n", readme);
        Assert.Contains("\n![Capacity map: the hosts by site, each VM a block as wide as its memory, coloured and lettered by its state](status/capacity.svg)\n", readme);
        Assert.Contains("\n| [cluster-b](status/clusters/cluster-b.yaml) | Degraded | 5/6 | – | Ready=False NodesNotRunning: 5/6 nodes running; Stalled=True NodesFailed: failed: cluster-b-workers-2 |\n", readme);
        Assert.Contains("\n| [sled-4](status/hosts/sled-4.yaml) | no: connect: connection refused (sled-4.openedge-lab.example:7443) | 0/32 | 0/96 | – | – |\n", readme);
        Assert.Contains("\n| [sled-4](status/hosts/sled-4.yaml) | no: connect: connection refused (sled-4.openedge-lab.example:7443) | 1: cluster-a-upf-1 |\n", readme);
        Assert.Contains("\n| cluster-b-workers-2 | [cluster-b](status/clusters/cluster-b.yaml) | sled-2 | Failed | – | qemu exited with status 1 |\n", readme);
    }

    [Fact]
    public void Write_1000HostsAnd2000Clusters_ListsOnlyThoseInTroubleAndSaysSo()
    {
        var hosts = Enumerable.Range(1, 1000).Select(i => Host($"host-{i:D4}", reachable: i is not (7 or 500 or 999), "Running")).ToList();
        var clusters = Enumerable.Range(1, 2000).Select(i => Cluster($"c-{i:D4}", i == 1234 ? "Failed" : "Running")).ToList();

        var readme = StatusReadme.Write("edge", Fleet(), clusters, hosts, map: true);

        Assert.True(readme.Length < 20_000, $"{readme.Length} characters");
        Assert.Contains("\n2,000 clusters: 1 Degraded, 1,999 Ready.\n\nListed: the 1 cluster not Ready; every cluster is in [status/clusters/](status/clusters).\n", readme);
        Assert.Contains("\n1,000 hosts: 997 answered, 3 did not.\n\nListed: the 3 hosts in trouble; every host is in [status/hosts/](status/hosts).\n", readme);
        Assert.Equal(1 + 3 + 3, readme.Split('\n').Count(l => l.StartsWith("| [", StringComparison.Ordinal)));
        Assert.Contains("\n| n-c-1234-1 | [c-1234](status/clusters/c-1234.yaml) | h | Failed | – | exited |\n", readme);

        // A thousand hosts make a long map: after the tables, not before them.
        Assert.True(readme.IndexOf("## Failing", StringComparison.Ordinal) < readme.IndexOf("## Capacity map\n\n![Capacity map: a row per site", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_ReasonsWithMarkdownAndHtml_ShownAsTextOnOneLine()
    {
        var host = Host("sled-1", reachable: false, "Running") with { Error = "agent refused: Internal: a | b <script>x</script> *c* [d](e) &amp;\nsecond line" };

        var readme = StatusReadme.Write("lab", Fleet(), [], [host], map: false);

        Assert.Contains(@"| refused: a \| b \<script\>x\</script\> \*c\* \[d\](e) \&amp; |", readme);
        Assert.DoesNotContain("second line", readme);
        Assert.DoesNotContain("capacity.svg", readme);
    }

    [Fact]
    public void Write_RunningNodeNotReadyInKubernetes_IsFailingWithItsState()
    {
        var cluster = Cluster("k", "Running") with { Nodes = [new NodeStatus("k-cp-1", "control-plane", "h", "Running", Noon, null) { Kubernetes = "NotReady" }] };

        var readme = StatusReadme.Write("lab", Fleet(), [cluster], [Host("h", reachable: true, "Running")], map: true);

        Assert.Contains("\n| [k](status/clusters/k.yaml) | Ready | 1/1 | 0/1 | – |\n", readme);
        Assert.Contains("\n| k-cp-1 | [k](status/clusters/k.yaml) | h | Running | NotReady | its Kubernetes node is NotReady |\n", readme);
    }

    [Fact]
    public void Rejected_AfterAGoodStatus_ErrorsAboveTheLastTablesAndTheMapKept()
    {
        var good = ExampleStatus.Compose();
        Diagnostic[] errors = [new(new SourceLocation("hosts/sled-1.yaml", 3, 1), "metadata.name: expected a string")];

        var rejected = StatusComposer.Rejected("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", errors, good.Snapshot, good.Files, Noon.AddHours(1), "openedge-lab");

        var readme = Readme(rejected.Files);
        Assert.Contains("\n# Fleet openedge-lab: revision rejected\n", readme);
        Assert.Contains("\n- **Not ready** since 2026-11-24 13:00 UTC (RevisionRejected): revision a1b2c3d4e5f6 is invalid; nothing stays applied\n", readme);
        Assert.Contains("\n## Errors in revision `a1b2c3d4e5f60718293a4b5c6d7e8f9012345678`\n\nNothing of it is applied; what runs stays as it was.\n\n    hosts/sled-1.yaml:3:1: error: metadata.name: expected a string\n", readme);
        Assert.Contains("](status/capacity.svg)", readme);
        Assert.Contains("| cluster-b-workers-2 | [cluster-b](status/clusters/cluster-b.yaml) | sled-2 | Failed |", readme);
        Assert.Same(good.Files[CapacityMap.Path], rejected.Files[CapacityMap.Path]);
        Assert.Equal(good.Files.Keys, rejected.Files.Keys);
    }

    private static string Readme(ImmutableSortedDictionary<string, byte[]> files) => Encoding.UTF8.GetString(files[StatusReadme.Path]);

    private static FleetStatusDocument Fleet() =>
        new("r1", "r1", null, [new Condition("Ready", false, "NotConverged", "converging on r1", Noon)], []);

    private static HostStatusDocument Host(string name, bool reachable, string state) =>
        new(name, reachable, reachable ? null : "agent at https://x:7443 unreachable: Unavailable", new Resources(64, 262144), new Resources(8, 16384), 1,
            reachable ? [new VmStatusEntry($"{name}-vm", "c", state, Noon, null, 0)] : []);

    private static ClusterStatusDocument Cluster(string name, string state)
    {
        var failed = state == "Failed";
        return new ClusterStatusDocument(
            name,
            failed ? "Degraded" : "Ready",
            [new Condition("Ready", !failed, failed ? "NodesNotRunning" : "AllNodesRunning", failed ? "0/1 nodes running" : "1/1 nodes running", Noon)],
            [new NodeStatus($"n-{name}-1", "worker", "h", state, Noon, failed ? "exited" : null)]);
    }
}
