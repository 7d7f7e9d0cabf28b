using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>Rules across documents: unique names, node-name collisions, selectors, and all errors in one run.</summary>
public sealed class SemanticCheckTests
{
    private const string Sled1 = "hosts/sled-1.yaml";
    private const string ClusterA = "clusters/cluster-a.yaml";
    private const string ClusterB = "clusters/cluster-b.yaml";

    [Fact]
    public void Load_SameHostNameInYamlAndYml_ErrorAtTheSecond()
    {
        var files = FleetFiles.Example();
        files["hosts/sled-1.yml"] = files[Sled1].Replace("https://sled-1.", "https://sled-1b.", StringComparison.Ordinal);

        var result = files.Load();

        LoadAssert.Single(result, new SourceLocation("hosts/sled-1.yml", 5, 9),
            "host sled-1 is defined twice: here and in hosts/sled-1.yaml");
    }

    [Fact]
    public void Load_SameAgentEndpointTwice_ErrorAtTheSecondEndpoint()
    {
        var files = FleetFiles.Example();
        files.Replace("hosts/sled-2.yaml", "https://sled-2.openedge-lab.example:7443", "https://sled-1.openedge-lab.example:7443/");

        var result = files.Load();

        LoadAssert.Single(result, files.At("hosts/sled-2.yaml", "https://"), "agent endpoint https://sled-1.openedge-lab.example:7443/ is also host sled-1's");
    }

    [Fact]
    public void Load_DuplicateKeyInMapping_ErrorAtTheSecondKey()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "    cpu: 32\n", "    cpu: 32\n    cpu: 16\n");

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "cpu: 16"), "duplicate key 'cpu' (first at line 15)", "keys must be unique");
    }

    [Fact]
    public void Load_DuplicatePoolNames_ErrorAtTheSecondPoolName()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "name: upf", "name: workers");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "name: workers", 6, occurrence: 2),
            "worker pool 'workers' is defined twice in cluster cluster-a (first at spec.workerPools[0])", "pool names must be unique");
    }

    [Fact]
    public void Load_NodeNamesCollideAcrossClusters_ErrorAtTheLaterPool()
    {
        // Cluster "a", pool "b-c" and cluster "a-b", pool "c" both name their first node a-b-c-1.
        var files = FleetFiles.Example();
        var template = files[ClusterB].Replace("vip: 10.20.1.11", "endpoint: https://api.example:6443", StringComparison.Ordinal); // one VIP per cluster
        files["clusters/a.yaml"] = template.Replace("name: cluster-b", "name: a", StringComparison.Ordinal).Replace("name: workers", "name: b-c", StringComparison.Ordinal);
        files["clusters/a-b.yaml"] = template.Replace("name: cluster-b", "name: a-b", StringComparison.Ordinal).Replace("name: workers", "name: c", StringComparison.Ordinal);

        var result = files.Load();

        LoadAssert.Single(result, files.At("clusters/a-b.yaml", "name: c"),
            "node name a-b-c-1 is also a node of cluster a (pool b-c)", "rename the pool or the cluster");
    }

    [Fact]
    public void Load_PoolSelectorMatchesNoHost_ErrorAtTheSelector()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "liquidmetal.dev/nic: sriov", "liquidmetal.dev/nic: dpdk");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "hostSelector:", occurrence: 2),
            "cluster cluster-a: worker pool upf: hostSelector {liquidmetal.dev/nic: dpdk} (within the cluster's hostSelector {liquidmetal.dev/site: openedge-lab}) matches no host");
    }

    [Fact]
    public void Load_MetalPoolSelectsOnlyMicrovmHosts_ErrorSaysNoneHasRoleMetal()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "liquidmetal.dev/nic: sriov", "liquidmetal.dev/sled: \"1\"");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "hostSelector:", occurrence: 2),
            "cluster cluster-a: worker pool upf selects sled-1, but none has role metal");
    }

    [Fact]
    public void Load_ClusterSelectorMatchesNoHost_ErrorAtTheClusterSelector()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "liquidmetal.dev/site: openedge-lab", "liquidmetal.dev/site: other-lab");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterB, "hostSelector:"), "cluster cluster-b: hostSelector {liquidmetal.dev/site: other-lab} matches no host");
    }

    [Fact]
    public void Load_ErrorsInSeveralFiles_AllReportedInOneRun()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "cpu: 32", "cpu: \"lots\"");
        files.Replace("hosts/sled-2.yaml", "    cpu: 32\n", "    cpu: 32\n    cpu: 16\n");
        files.Replace(ClusterB, "replicas: 3  # demo: workers", "replicas: lots");
        files.Replace(ClusterA, "name: workers", "name: cp");

        var result = files.Load();

        Assert.Null(result.Fleet);
        Assert.True(result.Diagnostics.Length == 4, LoadAssert.Show(result));
        LoadAssert.Has(result, files.At(Sled1, "\"lots\""), "expected a whole number");
        LoadAssert.Has(result, files.At("hosts/sled-2.yaml", "cpu: 16"), "duplicate key 'cpu'");
        LoadAssert.Has(result, files.At(ClusterB, "lots"), "spec.workerPools[0].replicas: expected a whole number, found 'lots'");
        LoadAssert.Has(result, files.At(ClusterA, "name: cp", 6), "'cp' is reserved");
    }
}
