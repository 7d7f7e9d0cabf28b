using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests.Networks;

/// <summary>The network rules, each broken once in the valid example: where the error points and what it says.</summary>
public sealed class NetworkCheckTests
{
    private const string Lab = "networks/openedge-lab.yaml";
    private const string ClusterA = "clusters/cluster-a.yaml";
    private const string ClusterB = "clusters/cluster-b.yaml";

    [Fact]
    public void Load_Example_ResolvesTheNetworkAndDefaultsTheEndpointToTheVip()
    {
        var result = FleetFiles.Example().Load();

        LoadAssert.Valid(result);
        var network = Assert.Single(result.Fleet!.Networks);
        Assert.Equal("10.20.1.0/24", network.Addressing!.Subnet.ToString());
        Assert.Equal(100, network.Addressing.NodeAddressCount); // .100-.199: the gateway (.1) and broadcast (.255) are outside it
        Assert.Equal("https://10.20.1.10:6443", result.Fleet.Clusters.Single(c => c.Name == "cluster-a").ControlPlane.Endpoint);
    }

    [Theory]
    [InlineData("10.20.1.0/33", "is not an IPv4 subnet")]
    [InlineData("10.20.1/24", "is not an IPv4 subnet")]
    [InlineData("010.20.1.0/24", "is not an IPv4 subnet")]
    [InlineData("10.20.1.5/24", "has host bits set: the subnet is 10.20.1.0/24")]
    public void Load_BadSubnet_ErrorAtTheCidr(string cidr, string message)
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "cidr: 10.20.1.0/24", "cidr: " + cidr);

        LoadAssert.Single(files.Load(), files.At(Lab, cidr), message);
    }

    [Fact]
    public void Load_GatewayOutsideTheSubnet_ErrorAtTheGateway()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "gateway: 10.20.1.1", "gateway: 10.20.2.1");

        LoadAssert.Single(files.Load(), files.At(Lab, "10.20.2.1"), "gateway 10.20.2.1 is outside the subnet 10.20.1.0/24");
    }

    [Fact]
    public void Load_GatewayIsTheBroadcastAddress_ErrorAtTheGateway()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "gateway: 10.20.1.1", "gateway: 10.20.1.255");

        LoadAssert.Single(files.Load(), files.At(Lab, "10.20.1.255"), "gateway 10.20.1.255 is the subnet's broadcast address");
    }

    [Theory]
    [InlineData("10.20.1.199-10.20.1.100", "ends before it starts")]
    [InlineData("10.20.1.100-10.20.2.10", "is not inside the subnet 10.20.1.0/24")]
    [InlineData("10.20.1.100-10.20.1", "is not an address range")]
    public void Load_BadNodeRange_ErrorAtTheRange(string range, string message)
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- " + range);

        LoadAssert.Single(files.Load(), files.At(Lab, range), message);
    }

    [Fact]
    public void Load_OverlappingRangesInOneNetwork_ErrorAtTheSecond()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- 10.20.1.100-10.20.1.199\n      - 10.20.1.128/25");

        LoadAssert.Single(files.Load(), files.At(Lab, "10.20.1.128/25"), "10.20.1.128-10.20.1.255 overlaps 10.20.1.100-10.20.1.199, listed before it");
    }

    [Fact]
    public void Load_TwoNetworksOverlap_ErrorAtTheLaterSubnetNamingTheOther()
    {
        var files = FleetFiles.Example();
        files["networks/core.yaml"] = files[Lab]
            .Replace("name: openedge-lab", "name: core", StringComparison.Ordinal)
            .Replace("cidr: 10.20.1.0/24", "cidr: 10.20.0.0/16", StringComparison.Ordinal)
            .Replace("fd00:20:1::", "fd00:99:1::", StringComparison.Ordinal);

        // Sorted by first address, 10.20.0.0/16 comes first: the /24 inside it is the one that overlaps.
        LoadAssert.Single(files.Load(), files.At(Lab, "10.20.1.0/24"), "network openedge-lab: 10.20.1.0/24 overlaps network core's 10.20.0.0/16 (networks/core.yaml)");
    }

    [Fact]
    public void Load_TwoNetworksShareAnIpv6Prefix_ErrorAtTheIpv6Cidr()
    {
        var files = FleetFiles.Example();
        files["networks/core.yaml"] = files[Lab]
            .Replace("name: openedge-lab", "name: core", StringComparison.Ordinal)
            .Replace("10.20.1.", "10.30.1.", StringComparison.Ordinal);

        LoadAssert.Single(files.Load(), files.At(Lab, "fd00:20:1::/64"), "overlaps network core's fd00:20:1::/64");
    }

    [Fact]
    public void Load_VipInsideTheNodeAddresses_ErrorAtTheVip()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "vip: 10.20.1.10", "vip: 10.20.1.150");

        LoadAssert.Single(files.Load(), files.At(ClusterA, "10.20.1.150"),
            "vip 10.20.1.150 is inside network openedge-lab's node addresses 10.20.1.100-10.20.1.199, where a node could get it");
    }

    [Fact]
    public void Load_SameVipTwice_ErrorAtTheSecondClusterNamingTheFirst()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "vip: 10.20.1.11", "vip: 10.20.1.10");

        LoadAssert.Single(files.Load(), files.At(ClusterB, "10.20.1.10"), "vip 10.20.1.10 is also cluster cluster-a's (clusters/cluster-a.yaml)");
    }

    [Fact]
    public void Load_VipIsTheGateway_ErrorAtTheVip()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "vip: 10.20.1.11", "vip: 10.20.1.1");

        LoadAssert.Single(files.Load(), files.At(ClusterB, "10.20.1.1"), "vip 10.20.1.1 is network openedge-lab's gateway");
    }

    [Fact]
    public void Load_VipIsADnsServerOfTheSubnet_ErrorNamesWhoseAddressItIs()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "servers: [10.20.1.1]", "servers: [10.20.1.53]");
        files.Replace(ClusterB, "vip: 10.20.1.11", "vip: 10.20.1.53");

        LoadAssert.Single(files.Load(), files.At(ClusterB, "10.20.1.53"), "vip 10.20.1.53 is network openedge-lab's DNS server");
    }

    [Fact]
    public void Load_VipWithoutANetwork_ErrorAtTheVip()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "  network: openedge-lab\n", string.Empty);

        LoadAssert.Single(files.Load(), files.At(ClusterB, "10.20.1.11"), "vip 10.20.1.11 is an address on the cluster's network: set spec.network");
    }

    [Fact]
    public void Load_NoVipAndNoEndpoint_ErrorAtTheControlPlane()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "    vip: 10.20.1.11  # the API endpoint is then https://10.20.1.11:6443\n", string.Empty);

        LoadAssert.Single(files.Load(), files.At(ClusterB, "controlPlane:"), "the control plane has no address: set spec.controlPlane.vip");
    }

    [Fact]
    public void Load_UnknownNetwork_ErrorAtTheClusterNamingTheKnownOnes()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "network: openedge-lab", "network: openedge-lob");

        LoadAssert.Has(files.Load(), files.At(ClusterB, "openedge-lob"), "no network 'openedge-lob'; networks are openedge-lab");
    }

    [Fact]
    public void Load_NetworkTooSmallForItsNodes_ErrorAtTheNodeAddressesWithTheCounts()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "- 10.20.1.100-10.20.1.199", "- 10.20.1.100-10.20.1.109");

        // cluster-a: 3 control planes + 3 microVM workers (its metal pool gets no address); cluster-b: 3 + 3.
        LoadAssert.Single(files.Load(), files.At(Lab, "nodeAddresses"), "network openedge-lab has 10 node addresses, but its clusters have 12 microVM nodes (cluster-a: 6, cluster-b: 6)");
    }

    [Fact]
    public void Load_ClusterMayLandOnAHostTheNetworkDoesNotReach_ErrorAtTheClusterNamingTheHosts()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "      liquidmetal.dev/site: openedge-lab\n", "      liquidmetal.dev/site: openedge-lab\n      liquidmetal.dev/sled: \"1\"\n");

        var result = files.Load();

        LoadAssert.Has(result, files.At(ClusterA, "network: openedge-lab", 9), "its nodes may be placed on sled-2, sled-3", "which network openedge-lab does not reach");
    }

    [Fact]
    public void Load_Ipv6PrefixTooLong_ErrorAtTheIpv6Cidr()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "fd00:20:1::/64", "fd00:20:1::/112");

        LoadAssert.Single(files.Load(), files.At(Lab, "fd00:20:1::/112"), "a /96 or shorter");
    }

    [Fact]
    public void Load_DnsServerIsAName_ErrorAtTheServer()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "servers: [10.20.1.1]", "servers: [dns.example]");

        LoadAssert.Single(files.Load(), files.At(Lab, "dns.example"), "'dns.example' is not an IP address");
    }

    [Fact]
    public void Load_BridgeNameTooLongForLinux_SchemaErrorAtTheBridge()
    {
        var files = FleetFiles.Example();
        files.Replace(Lab, "bridge: br-lab", "bridge: br-openedge-lab-0");

        LoadAssert.Single(files.Load(), files.At(Lab, "br-openedge-lab-0"), "spec.bridge", "is not a Linux interface name");
    }

    [Fact]
    public void Load_NetworkFileInTheWrongFolder_ErrorSaysWhereItBelongs()
    {
        var files = FleetFiles.Example();
        files["hosts/openedge-lab.yaml"] = files[Lab];
        files.Remove(Lab);

        LoadAssert.Has(files.Load(), files.At("hosts/openedge-lab.yaml", "Network"), "kind 'Network' does not belong here", "move it to networks/");
    }
}
