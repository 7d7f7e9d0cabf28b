using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using static LiquidMetal.Fleet.Tests.Placement.TestFleet;

namespace LiquidMetal.Fleet.Tests.Placement;

/// <summary>Randomized fleets (seeded, so a failure names its seed and replays): the invariants hold every time.</summary>
public class PlacementPropertyTests
{
    private const int Cases = 300;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 6).Select(i => new object[] { i * Cases });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Place_RandomFleets_RulesHoldAndOutputIsDeterministic(int firstSeed)
    {
        var placed = 0;
        for (var seed = firstSeed; seed < firstSeed + Cases; seed++)
        {
            var fleet = RandomFleet(new Random(seed));
            var result = Placer.Place(fleet);
            if (!result.Succeeded)
            {
                Assert.All(result.Diagnostics, d => Assert.Contains("cannot place", d.Message));
                continue;
            }

            placed++;
            CheckRules(fleet, result, seed);
            var again = Placer.Place(fleet);
            Assert.Equal(result.Placement.HostByNode, again.Placement.HostByNode);
            var render = Renderer.Render(fleet, result).Select(RenderedHostYaml.Write).ToList();
            Assert.Equal(render, Renderer.Render(fleet, again).Select(RenderedHostYaml.Write).ToList());
        }

        Assert.True(placed > Cases / 3, $"only {placed} of {Cases} random fleets were placeable: the generator no longer exercises the rules");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Place_RandomUnrelatedChange_NoNodeOfAnotherClusterMoves(int firstSeed)
    {
        var checkedCases = 0;
        for (var seed = firstSeed; seed < firstSeed + Cases; seed++)
        {
            var random = new Random(seed);
            var fleet = RandomFleet(random);
            var before = Placer.Place(fleet);
            if (!before.Succeeded || fleet.Clusters.Length == 0)
            {
                continue;
            }

            // One change to one cluster: add a new one, remove one, or resize one.
            var clusters = fleet.Clusters.ToList();
            string changed;
            switch (random.Next(3))
            {
                case 0:
                    changed = "zz-new";
                    clusters.Add(RandomCluster(random, changed, fleet.Hosts));
                    break;
                case 1:
                    changed = clusters[random.Next(clusters.Count)].Name;
                    clusters.RemoveAll(c => c.Name == changed);
                    break;
                default:
                    var index = random.Next(clusters.Count);
                    changed = clusters[index].Name;
                    clusters[index] = Resize(clusters[index], random);
                    break;
            }

            var after = Placer.Place(fleet with { Clusters = [.. clusters.OrderBy(c => c.Name, StringComparer.Ordinal)] }, PlacerTests.Previous(before));
            if (!after.Succeeded)
            {
                continue;
            }

            checkedCases++;
            CheckRules(fleet with { Clusters = [.. clusters.OrderBy(c => c.Name, StringComparer.Ordinal)] }, after, seed);
            foreach (var (node, host) in before.Placement.HostByNode)
            {
                if (!node.StartsWith(changed + "-", StringComparison.Ordinal))
                {
                    Assert.True(after.Placement.HostByNode.TryGetValue(node, out var now) && now == host, $"seed {seed}: {node} moved from {host} to {now} when only {changed} changed");
                }
            }
        }

        Assert.True(checkedCases > Cases / 4, $"only {checkedCases} cases checked");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Place_AgreesNodeForNodeWithAScanOfEveryHost(int firstSeed)
    {
        // Overlapping selectors on clusters and pools, both spread policies, and a second placement from the first.
        for (var seed = firstSeed; seed < firstSeed + Cases; seed++)
        {
            var random = new Random(seed);
            var fleet = SelectorFleet(random);
            var result = Placer.Place(fleet);
            SameAsScan(ScanPlacer.Place(fleet), result, $"seed {seed}");

            var resized = fleet with { Clusters = [.. fleet.Clusters.Select(c => random.Next(2) == 0 ? Resize(c, random) : c)] };
            var previous = PlacerTests.Previous(result);
            var again = Placer.Place(resized, previous);
            SameAsScan(ScanPlacer.Place(resized, previous), again, $"seed {seed}, from a previous placement");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Place_FromThePlacementItsOwnRenderRecords_RendersTheSameAgain(int firstSeed)
    {
        // A reconciler's second pass over a revision starts from what its first recorded on the status branch; its
        // compile cache takes the first compile as it is then, which holds only if placing again moves nothing.
        var checkedCases = 0;
        for (var seed = firstSeed; seed < firstSeed + Cases; seed++)
        {
            var random = new Random(seed);
            var fleet = seed % 2 == 0 ? RandomFleet(random) : SelectorFleet(random);
            var first = Placer.Place(fleet);
            if (!first.Succeeded)
            {
                continue;
            }

            // And from a placement of a fleet one change before, as after a push.
            var resized = fleet with { Clusters = [.. fleet.Clusters.Select(c => random.Next(2) == 0 ? Resize(c, random) : c)] };
            foreach (var (at, placed) in new[] { (fleet, first), (resized, Placer.Place(resized, PlacerTests.Previous(first))) })
            {
                if (!placed.Succeeded)
                {
                    continue;
                }

                checkedCases++;
                var rendered = Renderer.Render(at, placed);
                var again = Placer.Place(at, RenderedDirectory.PlacementOf(rendered));
                Assert.True(again.Succeeded, $"seed {seed}: {string.Join("; ", again.Diagnostics)}");
                Assert.Equal(placed.Placement.HostByNode, again.Placement.HostByNode);
                Assert.Equal(rendered.Select(RenderedHostYaml.Write), Renderer.Render(at, again).Select(RenderedHostYaml.Write));
            }
        }

        Assert.True(checkedCases > Cases / 2, $"only {checkedCases} cases checked");
    }

    private static void CheckRules(FleetDefinition fleet, PlacementResult result, int seed)
    {
        var hosts = fleet.Hosts.ToDictionary(h => h.Name);
        var nodes = result.Nodes.ToDictionary(n => n.Name);
        Assert.Equal(nodes.Keys.Order(StringComparer.Ordinal), result.Placement.HostByNode.Keys);
        var used = new Dictionary<string, (long Cpu, long Memory, int Vms, int Metal)>();
        foreach (var (name, hostName) in result.Placement.HostByNode)
        {
            var node = nodes[name];
            var host = hosts[hostName];
            Assert.True(HostIndex.Matches(host, node.Cluster.HostSelector), $"seed {seed}: {name} on {hostName} outside the cluster selector");
            Assert.True(node.Pool is null || HostIndex.Matches(host, node.Pool.HostSelector), $"seed {seed}: {name} on {hostName} outside its pool selector");
            var u = used.GetValueOrDefault(hostName);
            if (node.IsMetal)
            {
                Assert.True(host.Roles.HasFlag(HostRoles.Metal), $"seed {seed}: metal {name} on non-metal {hostName}");
                used[hostName] = u with { Metal = u.Metal + 1 };
            }
            else
            {
                Assert.True(host.Roles.HasFlag(HostRoles.Microvm), $"seed {seed}: microVM {name} on {hostName} without role microvm");
                used[hostName] = (u.Cpu + node.Size.Cpu, u.Memory + node.Size.MemoryMiB, u.Vms + 1, u.Metal);
            }
        }

        foreach (var (hostName, u) in used)
        {
            var host = hosts[hostName];
            Assert.True(u.Memory <= host.Allocatable.MemoryMiB, $"seed {seed}: {hostName} memory {u.Memory} over {host.Allocatable.MemoryMiB}");
            Assert.True(u.Cpu <= Math.Floor(host.Allocatable.Cpu * fleet.Settings.CpuOvercommit), $"seed {seed}: {hostName} vCPU {u.Cpu} over {host.Allocatable.Cpu} x {fleet.Settings.CpuOvercommit}");
            Assert.True(u.Metal == 0 || (u.Metal == 1 && u.Vms == 0), $"seed {seed}: {hostName} has {u.Metal} metal claims and {u.Vms} microVMs");
        }

        foreach (var cluster in fleet.Clusters)
        {
            var cpHosts = result.Placement.HostByNode.Where(p => nodes[p.Key].Cluster.Name == cluster.Name && nodes[p.Key].Ref.Role == NodeRole.ControlPlane).Select(p => p.Value).ToList();
            Assert.Equal(cpHosts.Count, cpHosts.Distinct().Count());
            Assert.All(cpHosts, h => Assert.True(hosts[h].ControlPlaneAllowed, $"seed {seed}: control plane on {h}"));
        }
    }

    internal static FleetDefinition RandomFleet(Random random)
    {
        var domains = random.Next(1, 5);
        var hosts = new List<HostDefinition>();
        var count = random.Next(3, 14);
        for (var i = 0; i < count; i++)
        {
            var roles = random.Next(6) switch
            {
                0 => HostRoles.Metal,
                1 => HostRoles.Metal | HostRoles.Microvm,
                _ => HostRoles.Microvm,
            };
            hosts.Add(Host(
                $"h{i:D2}",
                $"fd{random.Next(domains)}",
                cpu: random.Next(4, 33),
                memory: random.Next(8, 65) * 1024L,
                controlPlane: random.Next(3) > 0,
                roles: roles,
                reserved: new Resources(random.Next(0, 2), random.Next(0, 3) * 512),
                labels: random.Next(2) == 0 ? [("zone", random.Next(2) == 0 ? "x" : "y")] : []));
        }

        var clusters = new List<ClusterDefinition>();
        var clusterCount = random.Next(1, 6);
        for (var i = 0; i < clusterCount; i++)
        {
            clusters.Add(RandomCluster(random, $"c{i}", [.. hosts]));
        }

        return Make(hosts, clusters, overcommit: random.Next(2) == 0 ? 1.0 : 2.0, spread: random.Next(3) == 0 ? Model.WorkerSpreadPolicy.Pack : Model.WorkerSpreadPolicy.Spread);
    }

    private static void SameAsScan(Dictionary<string, string> scan, PlacementResult result, string what)
    {
        foreach (var node in result.Nodes)
        {
            var expected = scan.GetValueOrDefault(node.Name, "(not placed)");
            var actual = result.Placement.HostByNode.GetValueOrDefault(node.Name, "(not placed)");
            Assert.True(expected == actual, $"{what}: {node.Name} is on {actual}; a scan of every host puts it on {expected}");
        }
    }

    private static FleetDefinition SelectorFleet(Random random)
    {
        (string, string)[] Selector() => random.Next(4) switch
        {
            0 => [],
            1 => [("zone", random.Next(2) == 0 ? "x" : "y")],
            2 => [("rack", $"r{random.Next(3)}")],
            _ => [("zone", random.Next(2) == 0 ? "x" : "y"), ("rack", $"r{random.Next(3)}")],
        };

        var hosts = new List<HostDefinition>();
        var count = random.Next(3, 40);
        for (var i = 0; i < count; i++)
        {
            hosts.Add(Host(
                $"h{i:D2}",
                $"fd{random.Next(1, 6)}",
                cpu: random.Next(4, 33),
                memory: random.Next(8, 65) * 1024L,
                controlPlane: random.Next(3) > 0,
                roles: random.Next(8) switch { 0 => HostRoles.Metal, 1 => HostRoles.Metal | HostRoles.Microvm, _ => HostRoles.Microvm },
                labels: [.. new[] { ("zone", random.Next(2) == 0 ? "x" : "y"), ("rack", $"r{random.Next(3)}") }.Where(_ => random.Next(4) > 0)]));
        }

        var clusters = new List<ClusterDefinition>();
        for (var i = 0; i < random.Next(1, 9); i++)
        {
            var pools = Enumerable.Range(0, random.Next(0, 3))
                .Select(p => Pool($"p{p}", random.Next(0, 7), vcpu: random.Next(1, 5), memory: random.Next(1, 9) * 1024L, mode: random.Next(6) == 0 ? PoolMode.Metal : PoolMode.Microvm, selector: Selector()))
                .ToArray();
            clusters.Add(Cluster($"c{i}", controlPlanes: random.Next(2) == 0 ? 1 : 3, cpVcpu: random.Next(1, 4), cpMemory: random.Next(1, 5) * 1024L, selector: Labels(Selector()), pools: pools));
        }

        return Make(hosts, clusters, overcommit: random.Next(2) == 0 ? 1.0 : 2.0, spread: random.Next(3) == 0 ? WorkerSpreadPolicy.Pack : WorkerSpreadPolicy.Spread);
    }

    private static ClusterDefinition RandomCluster(Random random, string name, IReadOnlyList<HostDefinition> hosts)
    {
        var pools = new List<WorkerPoolSpec>();
        var poolCount = random.Next(0, 3);
        for (var p = 0; p < poolCount; p++)
        {
            var metal = random.Next(5) == 0;
            (string, string)[] selector = random.Next(3) == 0 ? [("zone", "x")] : [];
            pools.Add(Pool($"p{p}", random.Next(0, 5), vcpu: random.Next(1, 5), memory: random.Next(1, 9) * 1024L, mode: metal ? PoolMode.Metal : PoolMode.Microvm, selector: selector));
        }

        return Cluster(name, controlPlanes: random.Next(2) == 0 ? 1 : 3, cpVcpu: random.Next(1, 4), cpMemory: random.Next(1, 5) * 1024L, pools: [.. pools]);
    }

    private static ClusterDefinition Resize(ClusterDefinition cluster, Random random) => cluster with
    {
        ControlPlane = cluster.ControlPlane with { Vcpu = random.Next(1, 5), MemoryMiB = random.Next(1, 7) * 1024L },
        WorkerPools = [.. cluster.WorkerPools.Select(p => p with { Replicas = random.Next(0, 6), Vcpu = p.Mode == PoolMode.Metal ? p.Vcpu : random.Next(1, 5) })],
    };
}
