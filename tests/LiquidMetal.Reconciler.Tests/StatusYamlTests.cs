using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Tests;

public sealed class StatusYamlTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WriteFleet_WithErrors_RoundTripsAndReadsLikeAPerson()
    {
        var status = new FleetStatusDocument(
            "a1b2", "a1b2", "9f8e",
            [new Condition("Ready", false, "ValidationFailed", "revision a1b2 was rejected; 9f8e stays applied", Noon)],
            ["clusters/cluster-a.yaml:14:9: error: spec.workerPools[1].hostSelector matches no host"]);

        var yaml = StatusYaml.Write(status);
        var back = StatusYaml.ReadFleet(yaml);

        Assert.Equal(status.AppliedRevision, back.AppliedRevision);
        Assert.Equal(status.Conditions.AsEnumerable(), back.Conditions);
        Assert.Equal(status.Errors.AsEnumerable(), back.Errors);
        Assert.StartsWith("apiVersion: liquidmetal.dev/v1alpha1\nkind: FleetStatus\nstatus:\n  fetchedRevision: a1b2\n", yaml);
        Assert.Contains("since: 2026-11-24T12:00:00Z", yaml);
        Assert.DoesNotContain("...", yaml);
    }

    [Fact]
    public void WriteCluster_SameStatusTwice_SameBytes()
    {
        var status = new ClusterStatusDocument("cluster-a", "Provisioning",
            [new Condition("Reconciling", true, "Creating", "1 of 2 nodes running", Noon)],
            [new NodeStatus("cluster-a-cp-1", "control-plane", "sled-1", "Running", Noon, null), new NodeStatus("cluster-a-cp-2", "control-plane", null, "Pending", null, "no host yet")]);

        Assert.Equal(StatusYaml.Write(status), StatusYaml.Write(status with { Nodes = [.. status.Nodes] }));
        var back = StatusYaml.ReadCluster(StatusYaml.Write(status));
        Assert.Equal(status.Nodes.AsEnumerable(), back.Nodes);
        Assert.Equal("cluster-a Provisioning 1/2", back.Summary);
    }

    [Fact]
    public void WriteHost_StringsThatLookLikeOtherTypes_StayStrings()
    {
        var status = new HostStatusDocument("sled-1", false, "true", new Resources(30, 122880), new Resources(4, 8192), 7,
            [new VmStatusEntry("cluster-a-cp-1", "cluster-a", "Failed", Noon, "123", 2)]);

        var yaml = StatusYaml.Write(status);
        var back = StatusYaml.ReadHost(yaml);

        Assert.Contains("error: \"true\"", yaml);
        Assert.Contains("reason: \"123\"", yaml);
        Assert.Equal(status.Vms.AsEnumerable(), back.Vms);
        Assert.Empty(back.Conditions);
        Assert.Equal(status with { Vms = back.Vms, Conditions = back.Conditions }, back);
    }

    [Fact]
    public void WriteHost_CapacityCondition_WrittenLikeTheClustersAndReadBack()
    {
        var condition = CapacityCondition.Of(new Resources(32, 65536), new Resources(64, 262144), new Resources(24, 49152), Noon);
        var status = new HostStatusDocument("sled-1", true, null, new Resources(32, 65536), new Resources(24, 49152), 3, []) { Conditions = [condition] };

        var yaml = StatusYaml.Write(status);
        var back = StatusYaml.ReadHost(yaml);

        Assert.Contains("  observedGeneration: 3\n  conditions:\n  - type: CapacityMatches\n    status: \"False\"\n    reason: AgentOffersLess\n", yaml);
        Assert.Equal(condition, Assert.Single(back.Conditions));
    }

    [Fact]
    public void WriteCluster_ConditionStatus_IsTheQuotedStringKubernetesWrites()
    {
        var status = new ClusterStatusDocument("cluster-a", "Ready", [new Condition("Ready", true, "AllNodesRunning", "3/3 nodes running", Noon)], []);

        var yaml = StatusYaml.Write(status);

        Assert.Contains("    status: \"True\"\n", yaml);
        Assert.Contains("  nodes: []\n", yaml);
        Assert.True(StatusYaml.ReadCluster(yaml).Conditions[0].Status);
    }

    [Fact]
    public void Write_RandomText_ReadsBackExactly()
    {
        // Messages and reasons come from agents and VMMs: any text must survive the trip, whatever YAML makes of it.
        const string alphabet = "aZ09 -_:#'\"\\/.,;()=@&*!|>%`{}[]?~\t\n\r\u0085\u2028\u00e9\u4e2d";
        var random = new Random(20261127);
        for (var i = 0; i < 2000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            string[] words = ["true", "No", "null", "1e3", "0x1f", "0123", "12e4", "0o17", "1_000", "9f8e", "044ca6d4", "deadbeef", ".inf"];
            var word = words[random.Next(words.Length)];
            foreach (var value in new[] { text, word, text + word, word + " " + text })
            {
                var host = new HostStatusDocument("sled-1", false, value, Resources.Zero, Resources.Zero, 1, [new VmStatusEntry("vm-1", "c", "Failed", Noon, value, 0)]);
                var fleet = new FleetStatusDocument("a", "a", null, [new Condition("Ready", false, "R", value, Noon)], [value]);

                var hostBack = StatusYaml.ReadHost(StatusYaml.Write(host));
                var fleetBack = StatusYaml.ReadFleet(StatusYaml.Write(fleet));

                Assert.Equal(value, hostBack.Error);
                Assert.Equal(value, hostBack.Vms[0].Reason);
                Assert.Equal(value, fleetBack.Conditions[0].Message);
                Assert.Equal(value, fleetBack.Errors[0]);
            }
        }
    }

    [Fact]
    public void ReadHost_AnchorsAndAliases_RefusedAsInFleetFiles()
    {
        // The status branch is writable by anyone with push access: the same reader, with the same guards, as fleet files.
        var yaml = StatusYaml.Write(new HostStatusDocument("sled-1", true, null, Resources.Zero, Resources.Zero, 1, []))
            .Replace("  capacity:\n", "  capacity: &c\n", StringComparison.Ordinal)
            .Replace("  allocated:\n    cpu: 0\n    memoryMiB: 0\n", "  allocated: *c\n", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => StatusYaml.ReadHost(yaml));

        Assert.Contains("anchors and aliases are not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHost_WrongKind_SaysWhatItExpected()
    {
        var error = Assert.ThrowsAny<Exception>(() => StatusYaml.ReadHost("apiVersion: x\nkind: ClusterStatus\n"));

        Assert.Contains("expected kind HostStatus, found ClusterStatus", error.Message);
    }
}
