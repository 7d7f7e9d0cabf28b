using System.Collections.Immutable;
using System.Text;
using System.Xml.Linq;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Status.Pages;

namespace LiquidMetal.Reconciler.Tests.Status;

public sealed class CapacityMapTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Compose_FleetExample_EveryHostABarWithItsNameAndVmsTitledAndLettered()
    {
        var compiled = ExampleStatus.Compile();

        var svg = Parse(ExampleStatus.Compose(compiled).Files[CapacityMap.Path]);

        Assert.Equal("img", svg.Attribute("role")?.Value);
        Assert.Equal("Capacity map of fleet openedge-lab", svg.Element(Svg + "title")?.Value);
        Assert.StartsWith("5 hosts in 1 site, 14 nodes: 11 running, 1 pending, 1 failed, 1 unknown; 1 host did not answer: sled-4.", svg.Element(Svg + "desc")?.Value);
        var hosts = Hosts(svg);
        Assert.Equal(["sled-1", "sled-2", "sled-3", "sled-4", "sled-5"], hosts.Keys);
        foreach (var host in compiled.Hosts)
        {
            var group = hosts[host.Host];
            Assert.Equal(host.Host, group.Element(Svg + "text")!.Elements(Svg + "tspan").First().Value);
            var titles = group.Descendants(Svg + "title").Select(t => t.Value).ToList();
            Assert.All(host.Microvms, vm => Assert.Contains(titles, t => t.StartsWith(vm.Id + " (" + vm.Cluster + "): ", StringComparison.Ordinal)));
        }

        // A state is a letter too, not only a colour; the unreachable host's bar is dashed and says why.
        var failed = hosts["sled-2"].Descendants(Svg + "g").Single(g => g.Element(Svg + "title")!.Value.StartsWith("cluster-b-workers-2 ", StringComparison.Ordinal));
        Assert.Equal("vm f", failed.Attribute("class")?.Value);
        Assert.StartsWith("F", failed.Element(Svg + "text")!.Value);
        Assert.Contains(hosts["sled-4"].Elements(Svg + "rect"), r => r.Attribute("class")?.Value == "free down");
        Assert.Contains("connection refused", hosts["sled-4"].Element(Svg + "text")!.Value);
        Assert.Equal(["cluster-a", "cluster-b"], hosts["sled-1"].Elements(Svg + "text").Where(t => t.Attribute("class")?.Value == "c").Select(t => t.Value));
    }

    [Fact]
    public void Of_HostWithoutASiteLabel_GroupedByItsFailureDomain()
    {
        var compiled = ExampleStatus.Compile();
        var fleet = compiled.Fleet! with { Hosts = [.. compiled.Fleet!.Hosts.Select(h => h.Name == "sled-5" ? h with { Labels = h.Labels.Remove(MapSites.SiteLabel) } : h)] };

        var sites = MapSites.Of(fleet, compiled.Hosts, new Dictionary<string, HostStatusDocument>(), []);

        Assert.Equal([("openedge-lab", "site", 4), ("sled-5", "failure domain", 1)], sites.Select(s => (s.Name, s.Kind, s.Hosts.Length)));
        Assert.All(sites.SelectMany(s => s.Hosts), h => Assert.False(h.Reachable)); // no status document: not seen
    }

    [Fact]
    public void Of_MoreHostsThanBarsHold_EachHostsNodesCountedAsTheBarsCountThem()
    {
        var compiled = ExampleStatus.Compile();
        var commit = ExampleStatus.Compose(compiled);
        var documents = commit.Snapshot!.Hosts.ToDictionary(h => h.Name);

        // The example's hosts, and as many copies as make the map count rather than draw; no node of a copy is in any cluster.
        var copies = Enumerable.Range(1, CapacityMap.BarsUpTo).SelectMany(i => compiled.Hosts.Select(h => h with { Host = $"spare-{i:D2}-{h.Host}" }));
        var drawn = MapSites.Of(compiled.Fleet!, compiled.Hosts, documents, commit.Snapshot.Clusters).SelectMany(s => s.Hosts).ToDictionary(h => h.Name);
        var counted = MapSites.Of(compiled.Fleet!, [.. compiled.Hosts, .. copies], documents, commit.Snapshot.Clusters).SelectMany(s => s.Hosts).ToDictionary(h => h.Name);

        foreach (var (name, host) in drawn)
        {
            Assert.Equal(host.Tally.States.ToArray(), counted[name].Tally.States.ToArray());
            Assert.Equal((host.Tally.Vms, host.Tally.Placed, host.Metal?.State), (counted[name].Tally.Vms, counted[name].Tally.Placed, counted[name].Metal?.State));
            Assert.NotEmpty(host.Vms.Concat(host.Metal is null ? [] : [host.Metal]));
            Assert.Empty(counted[name].Vms);
        }

        var spare = counted["spare-01-sled-1"];
        Assert.Equal(spare.Tally.Vms, spare.Tally[MapState.Pending]); // no status names its VMs: on their way out
    }

    [Fact]
    public void Write_1000HostsIn200Sites_ASquarePerHostInARowPerSiteWithin150Kilobytes()
    {
        var sites = Sites(200, 5, 20, failed: "site-0042-sled-3", down: "site-0107-sled-1");

        var text = CapacityMap.Write("edge", sites);
        var svg = Parse(Encoding.UTF8.GetBytes(text));

        Assert.True(text.Length < 150_000, $"{text.Length} bytes");
        Assert.Equal(1000, Hosts(svg).Count);
        Assert.Equal(200, svg.Descendants(Svg + "g").Count(g => g.Attribute("class")?.Value == "site"));
        Assert.StartsWith("1,000 hosts in 200 sites, 20,000 nodes: 19,979 running, 1 failed, 20 unknown; 1 host did not answer: site-0107-sled-1.", svg.Element(Svg + "desc")!.Value);
        Assert.Equal("F", Hosts(svg)["site-0042-sled-3"].Element(Svg + "text")?.Value);
        Assert.Equal("U", Hosts(svg)["site-0107-sled-1"].Element(Svg + "text")?.Value);
        Assert.Equal("use", Hosts(svg)["site-0042-sled-2"].Name.LocalName); // all running: a square filled to 160 of 252 GiB, no letter
        Assert.Equal("#ok8", Hosts(svg)["site-0042-sled-2"].Attribute("href")?.Value);
        Assert.StartsWith("site-0042-sled-3: 20 VMs (19 running, 1 failed); 40/62 vCPU, 160/252 GiB", Hosts(svg)["site-0042-sled-3"].Element(Svg + "title")!.Value);
    }

    [Fact]
    public void Write_2500Hosts_ARowPerSiteSummingItsVms()
    {
        var sites = Sites(500, 5, 20, failed: "site-0001-sled-1", down: null);

        var text = CapacityMap.Write("edge", sites);
        var svg = Parse(Encoding.UTF8.GetBytes(text));

        Assert.True(text.Length < 250_000, $"{text.Length} bytes");
        Assert.Empty(Hosts(svg));
        var rows = svg.Descendants(Svg + "g").Where(g => g.Attribute("class")?.Value == "site").ToList();
        Assert.Equal(500, rows.Count);
        Assert.StartsWith("site site-0001: 5 hosts, 100 nodes, 1 F", rows[0].Element(Svg + "title")!.Value);
    }

    [Fact]
    public void Write_SameSitesAgainAndAnyVmMoreThanItsHostOffers_SameBytesAndEveryBlockInItsBar()
    {
        // An agent that offers less memory than the VMs placed on its host: the bar scales to the VMs.
        ImmutableArray<MapVm> vms = [new MapVm("a-1", "a", 4, 6144, "Running", MapState.Running), new MapVm("a-2", "a", 4, 6144, "Pending", MapState.Pending)];
        var crowded = new MapHost("sled-1", new Resources(8, 8192), new Resources(8, 8192), new Resources(8, 4096), MapTally.Of(vms, null))
        {
            Vms = vms,
            Failing = ["CapacityMatches=False AgentOffersLess"],
        };
        ImmutableArray<MapSite> sites = [new("lab", "site", [crowded, crowded with { Name = "a<b&\"c" }])];

        var first = CapacityMap.Write("x&y", sites);
        var again = CapacityMap.Write("x&y", sites);

        Assert.Equal(first, again);
        var svg = Parse(Encoding.UTF8.GetBytes(first));
        Assert.Equal(["sled-1", "a<b&\"c"], Hosts(svg).Keys);
        foreach (var rect in svg.Descendants(Svg + "g").Where(g => g.Attribute("class")?.Value.StartsWith("vm", StringComparison.Ordinal) == true).Select(g => g.Element(Svg + "rect")!))
        {
            // The bars run from x 16 to 864 (an 880-pixel map with 16-pixel margins).
            Assert.InRange((int)rect.Attribute("x")!, 16, 864 - (int)rect.Attribute("width")!);
        }
    }

    private static ImmutableArray<MapSite> Sites(int sites, int hostsPerSite, int vmsPerHost, string? failed, string? down) =>
    [
        .. Enumerable.Range(1, sites).Select(s => new MapSite($"site-{s:D4}", "site", [.. Enumerable.Range(1, hostsPerSite).Select(h =>
        {
            var name = $"site-{s:D4}-sled-{h}";
            var look = name == down ? MapState.Unknown : MapState.Running;
            var vms = Enumerable.Range(1, vmsPerHost).Select(v => new MapVm($"site-{s:D4}-c{v % 2 + 1:D2}-n{v}", $"site-{s:D4}-c{v % 2 + 1:D2}", 2, 8192, look.ToString(), name == failed && v == 1 ? MapState.Failed : look));
            return new MapHost(name, new Resources(64, 262144), new Resources(62, 258048), new Resources(64, 262144), MapTally.Of(vms, null))
            {
                Reachable = name != down,
                Error = name == down ? "agent at https://x:7443 unreachable: Unavailable" : null,
            };
        })])),
    ];

    private static XElement Parse(byte[] svg) => XDocument.Parse(Encoding.UTF8.GetString(svg)).Root!;

    /// <summary>Every host the map names: a group for one drawn out (its name in data-host), a reference for a running one in a large map (its name its title).</summary>
    private static Dictionary<string, XElement> Hosts(XElement svg) =>
        svg.Descendants().Where(e => e.Attribute("class")?.Value == "host").ToDictionary(e => e.Attribute("data-host")?.Value ?? e.Element(Svg + "title")!.Value);
}
