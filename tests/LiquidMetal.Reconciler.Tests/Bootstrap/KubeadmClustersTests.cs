using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Bootstrap;

/// <summary>Deciding each kubeadm cluster's bootstrap, and filling the specs sent to agents (never what is hashed or written).</summary>
public sealed class KubeadmClustersTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static CompiledFleet Compile() => KubeadmExample.Compile(["cluster-a", "cluster-b"]); // cluster-a has the metal UPF pool

    [Fact]
    public void Decide_NewCluster_NewSecretsAndTheLowestControlPlaneInitsWithItsSpec()
    {
        var compiled = Compile();

        var wanted = KubeadmClusters.Decide(new Dictionary<string, ClusterBootstrap>(), KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon);

        var b = wanted["cluster-b"];
        Assert.Equal(("cluster-b-cp-1", Vm(compiled, "cluster-b-cp-1").Hash, false), (b.InitNode, b.InitSpecHash, b.Initialized));
        Assert.Equal("https://10.20.1.11:6443", b.Endpoint);
        Assert.NotEqual(wanted["cluster-a"].Secrets.ClusterCa.CertificatePem, b.Secrets.ClusterCa.CertificatePem);
    }

    [Fact]
    public void Decide_InitNodesSpecChangesBeforeTheClusterAnswers_ItStillInitsWithItsNewSpec_AfterwardsNobodyInits()
    {
        var compiled = Compile();
        var first = KubeadmClusters.Decide(new Dictionary<string, ClusterBootstrap>(), KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon);
        var kept = first.ToDictionary(p => p.Key, p => p.Value with { InitSpecHash = "sha256:an-older-spec" });

        var again = KubeadmClusters.Decide(kept, KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon);
        Assert.True(again["cluster-b"].Inits("cluster-b-cp-1", Vm(compiled, "cluster-b-cp-1").Hash));

        var initialized = again.ToDictionary(p => p.Key, p => p.Value with { Initialized = true });
        Assert.False(initialized["cluster-b"].Inits("cluster-b-cp-1", Vm(compiled, "cluster-b-cp-1").Hash)); // a replaced cp-1 joins
        Assert.Equal(initialized["cluster-b"], KubeadmClusters.Decide(initialized, KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon)["cluster-b"]);
    }

    [Fact]
    public void Fill_SlotsFilledForVmsAndMetal_HashesAndSpecHashesAsRendered()
    {
        var compiled = Compile();
        var bootstraps = KubeadmClusters.Decide(new Dictionary<string, ClusterBootstrap>(), KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon);

        var filled = KubeadmClusters.Fill(compiled.Hosts, bootstraps, Noon);

        Assert.All(filled.Zip(compiled.Hosts), pair => Assert.Equal(pair.Second.SpecHash, pair.First.SpecHash));
        var vms = filled.SelectMany(h => h.Microvms).ToList();
        Assert.All(vms, vm => Assert.DoesNotContain(Fleet.Kubernetes.SecretSlots.Prefix, vm.UserData, StringComparison.Ordinal));
        Assert.All(vms, vm => Assert.Equal(Vm(compiled, vm.Id).Hash, vm.Hash));
        Assert.All(vms.Where(vm => vm.Role == RoleNames.ControlPlane), vm => Assert.Contains(vm.Id.EndsWith("-cp-1", StringComparison.Ordinal) ? "\"init\"]" : "\"join-control-plane\"]", vm.UserData, StringComparison.Ordinal));

        // Metal workers get the same join data through the bootstrap hook.
        var metal = filled.Select(h => h.Metal).OfType<RenderedMetal>().ToList();
        Assert.Equal(2, metal.Count);
        Assert.All(metal, m => Assert.Contains($"token: \"{bootstraps["cluster-a"].Secrets.NewestToken.Value}\"", m.UserData, StringComparison.Ordinal));
        Assert.All(compiled.Hosts.Select(h => h.Metal).OfType<RenderedMetal>(), m => Assert.Contains("@@liquidmetal:bootstrap-token@@", m.UserData, StringComparison.Ordinal)); // the render itself keeps its slots
    }

    [Fact]
    public void Decide_TokenRunningLow_RenewedAndFilledForNewNodes_NothingRunningChangesItsHash()
    {
        var compiled = Compile();
        var first = KubeadmClusters.Decide(new Dictionary<string, ClusterBootstrap>(), KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon);

        var later = KubeadmClusters.Decide(first, KubeadmClusters.Of(compiled.Fleet!), compiled.Hosts, null, Noon.AddHours(20));

        var (old, renewed) = (first["cluster-b"].Secrets.NewestToken, later["cluster-b"].Secrets.NewestToken);
        Assert.NotEqual(old.Id, renewed.Id);
        Assert.Equal(first["cluster-b"].Secrets.ClusterCa, later["cluster-b"].Secrets.ClusterCa);
        var worker = KubeadmClusters.Fill(compiled.Hosts, later, Noon.AddHours(20)).SelectMany(h => h.Microvms).Single(vm => vm.Id == "cluster-b-workers-1");
        Assert.Contains(renewed.Value, worker.UserData, StringComparison.Ordinal);
        Assert.Equal(Vm(compiled, "cluster-b-workers-1").Hash, worker.Hash);
    }

    private static RenderedVm Vm(CompiledFleet compiled, string id) => compiled.Hosts.SelectMany(h => h.Microvms).Single(vm => vm.Id == id);
}
