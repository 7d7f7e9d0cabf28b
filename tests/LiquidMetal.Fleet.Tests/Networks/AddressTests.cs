using LiquidMetal.Fleet.Planning;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests.Networks;

/// <summary>Addresses are placement: stable across unrelated changes, lowest free for new nodes, unique, in range.</summary>
public sealed class AddressTests
{
    private const string Lab = "networks/openedge-lab.yaml";

    [Fact]
    public void Compile_Example_NodesTakeTheLowestFreeAddressesInNodeOrder()
    {
        var compiled = Compile(FleetFiles.Example());

        var addresses = Addresses(compiled);
        Assert.Equal(
            ["cluster-a-cp-1=10.20.1.100/24", "cluster-a-cp-2=10.20.1.101/24", "cluster-a-cp-3=10.20.1.102/24", "cluster-a-workers-1=10.20.1.103/24",
             "cluster-a-workers-2=10.20.1.104/24", "cluster-a-workers-3=10.20.1.105/24", "cluster-b-cp-1=10.20.1.106/24", "cluster-b-cp-2=10.20.1.107/24",
             "cluster-b-cp-3=10.20.1.108/24", "cluster-b-workers-1=10.20.1.109/24", "cluster-b-workers-2=10.20.1.110/24", "cluster-b-workers-3=10.20.1.111/24"],
            addresses.Select(a => $"{a.Key}={a.Value.Addresses[0]}"));
    }

    [Fact]
    public void Compile_Example_NicCarriesTheNetworkAndAnIpv6AddressAtTheSamePlace()
    {
        var nic = Addresses(Compile(FleetFiles.Example()))["cluster-a-cp-1"];

        Assert.Equal(("openedge-lab", "br-lab", 0), (nic.Network, nic.Bridge, nic.Vlan));
        Assert.Equal(["10.20.1.100/24", "fd00:20:1::64/64"], nic.Addresses.AsEnumerable()); // .100 is the 100th (0x64) address of the /24
        Assert.Equal(("10.20.1.1", "fd00:20:1::1"), (nic.Gateway4, nic.Gateway6));
        Assert.Equal(["10.20.1.1"], nic.Nameservers.AsEnumerable());
        Assert.Equal(["openedge-lab.example"], nic.SearchDomains.AsEnumerable());
        Assert.Equal(Renderer.MacPrefix("openedge-lab") + "0a:14:01:64", nic.Mac); // its IPv4 bytes
    }

    [Fact]
    public void Compile_ClusterThatSortsFirstAdded_NoRunningNodeRenumbered()
    {
        var files = FleetFiles.Example();
        var first = Compile(files);
        files["clusters/aaa.yaml"] = NewCluster("aaa", "10.20.1.12", workers: 2);

        var second = Compile(files, first);

        var before = Addresses(first);
        var after = Addresses(second);
        Assert.All(before, b => Assert.Equal(b.Value.Addresses.AsEnumerable(), after[b.Key].Addresses.AsEnumerable()));
        Assert.Equal(["10.20.1.112/24", "10.20.1.113/24", "10.20.1.114/24", "10.20.1.115/24", "10.20.1.116/24"],
            after.Where(a => a.Key.StartsWith("aaa-", StringComparison.Ordinal)).Select(a => a.Value.Addresses[0]));
    }

    [Fact]
    public void Compile_ClusterRemovedThenAnotherAdded_TheNewOneReusesTheFreedAddressesAndNoOtherNodeMoves()
    {
        var files = FleetFiles.Example();
        var first = Compile(files);
        files.Remove("clusters/cluster-a.yaml");
        var second = Compile(files, first);
        files["clusters/zzz.yaml"] = NewCluster("zzz", "10.20.1.12", workers: 1);

        var third = Compile(files, second);

        var before = Addresses(first);
        var after = Addresses(third);
        Assert.All(after.Where(a => a.Key.StartsWith("cluster-b-", StringComparison.Ordinal)), a => Assert.Equal(before[a.Key].Addresses.AsEnumerable(), a.Value.Addresses.AsEnumerable()));
        Assert.Equal(["10.20.1.100/24", "10.20.1.101/24", "10.20.1.102/24", "10.20.1.103/24"],
            after.Where(a => a.Key.StartsWith("zzz-", StringComparison.Ordinal)).Select(a => a.Value.Addresses[0]));
    }

    [Fact]
    public void Compile_ClusterRemovedAndAnotherAddedAtOnce_TheDepartingNodesAddressesAreNotGivenOutYet()
    {
        // The removed cluster's VMs may still run while the new ones boot: their addresses wait one render.
        var files = FleetFiles.Example();
        var first = Compile(files);
        files.Remove("clusters/cluster-a.yaml");
        files["clusters/zzz.yaml"] = NewCluster("zzz", "10.20.1.12", workers: 1);

        var second = Compile(files, first);

        Assert.Equal(["10.20.1.112/24", "10.20.1.113/24", "10.20.1.114/24", "10.20.1.115/24"],
            Addresses(second).Where(a => a.Key.StartsWith("zzz-", StringComparison.Ordinal)).Select(a => a.Value.Addresses[0]));
    }

    [Fact]
    public void Compile_NetworkOnlyBigEnoughWithTheDepartingNodesAddresses_TakesThemRatherThanLeaveANodeWithout()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- 10.20.1.100-10.20.1.111"); // exactly the example's 12 nodes
        var first = Compile(files);
        files.Remove("clusters/cluster-a.yaml");
        files["clusters/zzz.yaml"] = NewCluster("zzz", "10.20.1.12", workers: 3);

        var second = Compile(files, first);

        Assert.Equal(["10.20.1.100/24", "10.20.1.101/24", "10.20.1.102/24", "10.20.1.103/24", "10.20.1.104/24", "10.20.1.105/24"],
            Addresses(second).Where(a => a.Key.StartsWith("zzz-", StringComparison.Ordinal)).Select(a => a.Value.Addresses[0]));
    }

    [Fact]
    public void Compile_Ipv6GatewayIsANodeAddressesTwinAndADnsServerIsInTheRange_NeitherIsGivenToANode()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "gateway: fd00:20:1::1", "gateway: fd00:20:1::64"); // the IPv6 twin of 10.20.1.100
        files.Replace(Lab, "servers: [10.20.1.1]", "servers: [10.20.1.101]");

        var addresses = Addresses(Compile(files));

        Assert.Equal("10.20.1.102/24", addresses["cluster-a-cp-1"].Addresses[0]);
        Assert.DoesNotContain(addresses.Values, nic => nic.Addresses.Contains("10.20.1.100/24") || nic.Addresses.Contains("10.20.1.101/24"));
    }

    [Fact]
    public void Load_SearchDomainWithAComma_ErrorAtTheDomain()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "search: [openedge-lab.example]", "search: [\"a.example,b.example\"]");

        LoadAssert.Single(files.Load(), files.At(Lab, "\"a.example,b.example"), "network openedge-lab: 'a.example,b.example' is not a DNS domain");
    }

    [Fact]
    public void Describe_ListsThatJoinAlike_DifferSoTheVmHashDiffers()
    {
        var one = new RenderedInterface("eth0", "02:00:00:00:00:01") { Network = "n", SearchDomains = ["a,b"] };
        var two = one with { SearchDomains = ["a", "b"] };

        Assert.NotEqual(one.Describe(), two.Describe());
    }

    [Fact]
    public void Compile_RangeMovedAwayFromARunningNode_ItIsRenumberedAndThePlanSaysSo()
    {
        var files = FleetFiles.Example();
        var first = Compile(files);
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- 10.20.1.101-10.20.1.199"); // takes .100 (cluster-a-cp-1's) away

        var second = Compile(files, first);

        var after = Addresses(second);
        Assert.Equal("10.20.1.112/24", after["cluster-a-cp-1"].Addresses[0]); // the lowest free one
        Assert.All(after.Where(a => a.Key != "cluster-a-cp-1"), a => Assert.Equal(Addresses(first)[a.Key].Addresses.AsEnumerable(), a.Value.Addresses.AsEnumerable()));
        var plan = Planner.Diff(first.Hosts, second.Hosts, second.Fleet!);
        var action = Assert.Single(plan.Hosts.SelectMany(h => h.Actions));
        Assert.Equal((ActionKind.Replace, "cluster-a-cp-1"), (action.Kind, action.Node));
        Assert.StartsWith("renumbers the running node 10.20.1.100/24 fd00:20:1::64/64 → 10.20.1.112/24 fd00:20:1::70/64; spec changed: addresses, mac", action.Reason);
    }

    [Fact]
    public void Compile_DnsChanged_EveryNodeOnTheNetworkIsReplacedButNoneRenumbered()
    {
        var files = FleetFiles.Example();
        var first = Compile(files);
        files.Replace(Lab, "servers: [10.20.1.1]", "servers: [10.20.1.2, 10.20.1.3]");

        var second = Compile(files, first);

        var plan = Planner.Diff(first.Hosts, second.Hosts, second.Fleet!);
        var replaced = plan.Hosts.SelectMany(h => h.Actions).ToList();
        Assert.Equal(12, replaced.Count);
        Assert.All(replaced, a => Assert.Equal("spec changed: dns", a.Reason));
    }

    /// <summary>
    /// Random histories of one network: clusters added, removed and resized one step at a time, each step compiled from
    /// the last one's render, as the reconciler does. After every step: no node that stayed has a new address, every
    /// address is unique and a node address of the network.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compile_RandomHistory_NoSurvivingNodeIsEverRenumbered(int seed)
    {
        var random = new Random(seed);
        var files = FleetFiles.Example();
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- 10.20.1.100-10.20.1.139\n      - 10.20.1.160-10.20.1.254");
        var vips = new Queue<int>(Enumerable.Range(20, 60));
        var clusters = new List<string>();
        var last = Compile(files);
        for (var step = 0; step < 40; step++)
        {
            var action = clusters.Count == 0 ? 0 : random.Next(3);
            if (action == 0 && clusters.Count < 8)
            {
                var name = $"c{random.Next(1000):000}";
                if (!clusters.Contains(name))
                {
                    clusters.Add(name);
                    files[$"clusters/{name}.yaml"] = NewCluster(name, $"10.20.1.{vips.Dequeue()}", workers: random.Next(0, 4));
                }
            }
            else if (action == 1 && clusters.Count > 0)
            {
                var name = clusters[random.Next(clusters.Count)];
                clusters.Remove(name);
                files.Remove($"clusters/{name}.yaml");
            }
            else if (clusters.Count > 0)
            {
                var name = clusters[random.Next(clusters.Count)];
                files[$"clusters/{name}.yaml"] = NewCluster(name, VipOf(files[$"clusters/{name}.yaml"]), workers: random.Next(0, 4));
            }

            var next = Compile(files, last);
            var before = Addresses(last);
            var after = Addresses(next);
            foreach (var (node, nic) in after)
            {
                if (before.TryGetValue(node, out var was))
                {
                    Assert.True(was.Addresses.SequenceEqual(nic.Addresses), $"seed {seed}, step {step}: {node} renumbered {was.Addresses[0]} -> {nic.Addresses[0]}");
                }
            }

            var v4 = after.Values.Select(n => n.Addresses[0]).ToList();
            Assert.Equal(v4.Count, v4.Distinct().Count());
            Assert.All(v4, a => Assert.True(a.StartsWith("10.20.1.", StringComparison.Ordinal) && !IsIn(a, 140, 159) && !IsIn(a, 255, 255), $"{a} is not a node address"));
            last = next;
        }
    }

    private static bool IsIn(string cidr, int first, int last)
    {
        var octet = int.Parse(cidr.Split('/')[0].Split('.')[3], System.Globalization.CultureInfo.InvariantCulture);
        return octet >= first && octet <= last;
    }

    private static string VipOf(string clusterYaml) => clusterYaml.Split('\n').Single(l => l.Trim().StartsWith("vip:", StringComparison.Ordinal)).Split(':')[1].Trim();

    private static string NewCluster(string name, string vip, int workers) => $$"""
        apiVersion: liquidmetal.dev/v1alpha1
        kind: Cluster
        metadata:
          name: {{name}}
        spec:
          network: openedge-lab
          hostSelector:
            matchLabels:
              liquidmetal.dev/site: openedge-lab
          controlPlane:
            replicas: 3
            vcpu: 1
            memoryMiB: 512
            vip: {{vip}}
          workerPools:
            - name: workers
              replicas: {{workers}}
              vcpu: 1
              memoryMiB: 512

        """;

    private static CompiledFleet Compile(FleetFiles files, CompiledFleet? previous = null)
    {
        var compiled = FleetCompiler.Compile(files.ToList(), previous is null ? null : RenderedDirectory.PlacementOf(previous.Hosts));
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        return compiled;
    }

    private static SortedDictionary<string, RenderedInterface> Addresses(CompiledFleet compiled) =>
        new(compiled.Hosts.SelectMany(h => h.Microvms).Where(v => v.Interfaces[0].Network.Length > 0).ToDictionary(v => v.Id, v => v.Interfaces[0]), StringComparer.Ordinal);
}
