using System.Collections.Immutable;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>A kubeadm cluster's status: each node's Kubernetes readiness beside its VM state, and Ready only when every node is.</summary>
public sealed class KubernetesReadinessStatusTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static CompiledFleet Compile() => KubeadmExample.Compile(["cluster-b"]);

    private static Dictionary<string, ObservedHost> AllRunning(CompiledFleet compiled) => compiled.Hosts.ToDictionary(h => h.Host, h => new ObservedHost(
        h.Host,
        new HostReport(h.Host, 3, h.SpecHash, new Resources(30, 94208), null,
            [.. h.Microvms.Select(vm => new VmReport(vm.Id, vm.Cluster, vm.Hash, VmPhase.Running, string.Empty, Noon.AddMinutes(-3), 0))], null),
        null,
        Applied: false));

    private static ClusterHealth Health(params (string Node, string Ready)[] nodes) =>
        new(null, nodes.ToImmutableSortedDictionary(
            n => n.Node,
            n => new NodeReadiness(n.Ready == "True" ? NodeReadyStatus.True : NodeReadyStatus.False, n.Ready == "True" ? "KubeletReady" : "KubeletNotReady", null, Noon, "v1.31.2"),
            StringComparer.Ordinal));

    private static ClusterStatusDocument ClusterB(StatusCommit commit) => commit.Snapshot!.Clusters.Single(c => c.Name == "cluster-b");

    [Fact]
    public void Compose_EveryNodeReadyInKubernetes_ClusterReadyAndEachNodeSaysSo()
    {
        var compiled = Compile();
        var names = compiled.Hosts.SelectMany(h => h.Microvms).Where(vm => vm.Cluster == "cluster-b").Select(vm => vm.Id).ToList();

        var commit = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, AllRunning(compiled), null, Noon,
            kubernetes: new Dictionary<string, ClusterHealth> { ["cluster-b"] = Health([.. names.Select(n => (n, "True"))]) });

        var b = ClusterB(commit);
        Assert.Equal("Ready", b.Phase);
        Assert.All(b.Nodes, n => Assert.Equal("Ready", n.Kubernetes));
        Assert.Equal("AllNodesReady", b.Conditions.Single(c => c.Type == "Ready").Reason);
        Assert.All(commit.Snapshot!.Clusters.Single(c => c.Name == "cluster-a").Nodes, n => Assert.Null(n.Kubernetes)); // user-data cluster: not asked
    }

    [Fact]
    public void Compose_OneNodeNotReadyAnotherNotRegistered_ClusterNotReadyNamingThem()
    {
        var compiled = Compile();
        var names = compiled.Hosts.SelectMany(h => h.Microvms).Where(vm => vm.Cluster == "cluster-b").Select(vm => vm.Id).Order(StringComparer.Ordinal).ToList();
        var nodes = names.Where(n => n != "cluster-b-workers-3").Select(n => (n, n == "cluster-b-workers-2" ? "False" : "True")).ToArray();

        var commit = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, AllRunning(compiled), null, Noon,
            kubernetes: new Dictionary<string, ClusterHealth> { ["cluster-b"] = Health(nodes) });

        var b = ClusterB(commit);
        Assert.NotEqual("Ready", b.Phase);
        Assert.Equal("NotReady", b.Nodes.Single(n => n.Name == "cluster-b-workers-2").Kubernetes);
        Assert.Equal("NotRegistered", b.Nodes.Single(n => n.Name == "cluster-b-workers-3").Kubernetes);
        var ready = b.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("NodesNotReady", "4/6 nodes Ready in Kubernetes (not: cluster-b-workers-2 NotReady, cluster-b-workers-3 NotRegistered)"), (ready.Reason, ready.Message));
        Assert.False(commit.Converged);

        // What is written reads back the same.
        var yaml = StatusYaml.Write(b);
        Assert.Contains("    kubernetes: NotRegistered\n", yaml, StringComparison.Ordinal);
        Assert.Equal(b.Nodes.AsEnumerable(), StatusYaml.ReadCluster(yaml).Nodes.AsEnumerable());
    }

    [Fact]
    public void Compose_ApiDidNotAnswer_EveryNodeUnknownAndTheReasonInTheCondition()
    {
        var compiled = Compile();

        var commit = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, AllRunning(compiled), null, Noon,
            kubernetes: new Dictionary<string, ClusterHealth> { ["cluster-b"] = ClusterHealth.Unreachable("https://10.20.1.11:6443: connection refused") });

        var b = ClusterB(commit);
        Assert.All(b.Nodes, n => Assert.Equal("Unknown", n.Kubernetes));
        var ready = b.Conditions.Single(c => c.Type == "Ready");
        Assert.False(ready.Status);
        Assert.Equal("ApiUnreachable", ready.Reason);
        Assert.EndsWith("the Kubernetes API did not answer: https://10.20.1.11:6443: connection refused", ready.Message, StringComparison.Ordinal);
    }
}
