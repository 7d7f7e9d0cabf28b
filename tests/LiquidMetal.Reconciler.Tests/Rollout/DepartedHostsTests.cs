using System.Runtime.CompilerServices;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Rollout;

namespace LiquidMetal.Reconciler.Tests.Rollout;

/// <summary>Hosts that left the fleet, found from what each host was told before (rendered/ on the status branch).</summary>
public sealed class DepartedHostsTests
{
    private static readonly List<RenderedHost> Hosts = Example();

    [Fact]
    public void Find_EveryHostStillRendered_None()
    {
        Assert.Empty(DepartedHosts.Find(Hosts, Hosts));
    }

    [Fact]
    public void Find_HostNoLongerRendered_ToldToRunNothingUnderASpecHashOfItsOwn()
    {
        var sled4 = Hosts.Single(h => h.Host == "sled-4");

        var departed = Assert.Single(DepartedHosts.Find([.. Hosts.Where(h => h.Host != "sled-4")], Hosts));

        Assert.Equal("sled-4", departed.Host);
        Assert.Equal(sled4.AgentEndpoint, departed.AgentEndpoint);
        Assert.Empty(departed.Microvms);
        Assert.Null(departed.Metal);
        Assert.Equal(Resources.Zero, departed.Allocated);
        Assert.NotEqual(sled4.SpecHash, departed.SpecHash);
        Assert.Equal(departed.SpecHash, Assert.Single(DepartedHosts.Find([], [sled4])).SpecHash); // the same every pass
        Assert.NotEqual(departed.SpecHash, Assert.Single(DepartedHosts.Find([], [sled4 with { Host = "sled-9" }])).SpecHash);
    }

    [Theory]
    [InlineData("https://sled-4.openedge-lab.example:7443")]
    [InlineData("https://sled-4.openedge-lab.example:7443/")]
    [InlineData("HTTPS://SLED-4.openedge-lab.example:7443")]
    public void Find_HostRenamedAtTheSameEndpoint_NotDeparted(string endpoint)
    {
        var renamed = Hosts.Select(h => h.Host == "sled-4" ? h with { Host = "sled-4b", AgentEndpoint = endpoint } : h).ToList();

        Assert.Empty(DepartedHosts.Find(renamed, Hosts));
    }

    [Fact]
    public void VouchedFor_OnlyTheHostAndEndpointPairsGiven_TrailingSlashAside()
    {
        var departed = DepartedHosts.Find([], Hosts);
        var vouched = new HashSet<(string, string)>
        {
            ("sled-4", "https://sled-4.openedge-lab.example:7443"),
            ("sled-5", "https://sled-1.openedge-lab.example:7443"), // another host's endpoint
        };

        var told = DepartedHosts.VouchedFor(departed.Select(h => h.Host == "sled-4" ? h with { AgentEndpoint = h.AgentEndpoint + "/" } : h).ToList(), vouched);

        Assert.Equal("sled-4", Assert.Single(told).Host);
    }

    /// <summary>fleet-example rendered.</summary>
    private static List<RenderedHost> Example([CallerFilePath] string source = "")
    {
        var compiled = FleetCompiler.Compile(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "fleet-example")));
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        return [.. compiled.Hosts];
    }
}
