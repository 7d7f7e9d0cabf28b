using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Fleet.Tests.Placement;
using static LiquidMetal.Fleet.Tests.Placement.TestFleet;

namespace LiquidMetal.Fleet.Tests.Rendering;

public class RendererTests
{
    private static readonly HostDefinition[] Hosts = [Host("h1"), Host("h2"), Host("h3"), Host("m1", roles: HostRoles.Metal, controlPlane: false)];

    private static Dictionary<string, RenderedVm> Vms(FleetDefinition fleet, Dictionary<string, PlacedNode>? previous = null)
    {
        var placement = Placer.Place(fleet, previous);
        Assert.True(placement.Succeeded, string.Join("\n", placement.Diagnostics));
        return Renderer.Render(fleet, placement).SelectMany(h => h.Microvms).ToDictionary(v => v.Id);
    }

    [Fact]
    public void Render_EveryHostGetsADocument_WithItsVmsAndMetal()
    {
        var fleet = Make(Hosts, [Cluster("k", pools: [Pool("w", 2), Pool("upf", 1, mode: PoolMode.Metal)])]);

        var hosts = Renderer.Render(fleet, Placer.Place(fleet));

        Assert.Equal(["h1", "h2", "h3", "m1"], hosts.Select(h => h.Host));
        Assert.Equal(5, hosts.Sum(h => h.Microvms.Length));
        var metal = Assert.Single(hosts, h => h.Metal is not null);
        Assert.Equal("m1", metal.Host);
        Assert.Equal("k-upf-1", metal.Metal!.Node);
        Assert.Empty(metal.Microvms);
        Assert.All(hosts, h => Assert.Equal(h.Microvms.Aggregate(Resources.Zero, (sum, vm) => sum + vm.Size), h.Allocated));
    }

    [Fact]
    public void Render_UserData_FromTheClusterTemplatePerNode()
    {
        var cluster = Cluster("k", controlPlanes: 1) with
        {
            UserDataTemplate = "n={{ node.name }} r={{node.role}} p={{ node.pool }} o={{ node.ordinal }} c={{ cluster.name }} e={{ controlPlane.endpoint }} v={{ kubernetes.version }} h={{ host.name }} d={{ host.failureDomain }} f={{ fleet.name }} \\{{ literal }}",
        };
        var vm = Vms(Make(Hosts, [cluster]))["k-cp-1"];

        Assert.Equal("n=k-cp-1 r=control-plane p=cp o=1 c=k e=https://k.example:6443 v=v1.31.2 h=h1 d=h1 f=test {{ literal }}", vm.UserData);
    }

    [Fact]
    public void Render_Hash_ChangesExactlyWhenTheVmsInputsChange()
    {
        var baseline = Make(Hosts, [Cluster("a", pools: Pool("w", 2)), Cluster("b", pools: Pool("w", 2))]);
        var before = Vms(baseline);
        var previous = PlacerTests.Previous(Placer.Place(baseline));

        // Changing cluster b leaves every VM of cluster a with the same hash, and changes b's.
        var changedB = Make(Hosts, [Cluster("a", pools: Pool("w", 2)), Cluster("b", pools: Pool("w", 2, vcpu: 3))]);
        var after = Vms(changedB, previous);
        Assert.All(before.Keys.Where(k => k.StartsWith("a-")), k => Assert.Equal(before[k].Hash, after[k].Hash));
        Assert.NotEqual(before["b-w-1"].Hash, after["b-w-1"].Hash);
        Assert.Equal(before["b-cp-1"].Hash, after["b-cp-1"].Hash);

        // Each input of a VM changes its hash.
        var a = baseline.Clusters[0];
        var variants = new[]
        {
            a with { Image = a.Image with { Kernel = "/images/vmlinuz-2" } },
            a with { Image = a.Image with { Initrd = "/images/initrd-2" } },
            a with { Image = a.Image with { RootVolume = "/images/root.ext4" } },
            a with { UserDataTemplate = a.UserDataTemplate + "extra\n" },
            a with { KubernetesVersion = "v1.32.0" },
            a with { ControlPlane = a.ControlPlane with { MemoryMiB = 8192 } },
            a with { ControlPlane = a.ControlPlane with { Vcpu = 3 } },
        };
        foreach (var variant in variants)
        {
            var vms = Vms(Make(Hosts, [variant, baseline.Clusters[1]]), previous);
            Assert.NotEqual(before["a-cp-1"].Hash, vms["a-cp-1"].Hash);
        }

        // An endpoint the template does not use changes nothing the VM is built from.
        var unused = Vms(Make(Hosts, [a with { ControlPlane = a.ControlPlane with { Endpoint = "https://other:6443" } }, baseline.Clusters[1]]), previous);
        Assert.Equal(before["a-cp-1"].Hash, unused["a-cp-1"].Hash);
    }

    [Fact]
    public void Render_Twice_ByteIdentical()
    {
        var fleet = Make(Hosts, [Cluster("a", pools: Pool("w", 3)), Cluster("b", pools: [Pool("w", 1), Pool("upf", 1, mode: PoolMode.Metal)])]);

        var first = Renderer.Render(fleet, Placer.Place(fleet)).Select(RenderedHostYaml.Write);
        var second = Renderer.Render(fleet, Placer.Place(fleet)).Select(RenderedHostYaml.Write);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Mac_LocallyAdministeredUnicastAndStable()
    {
        var mac = Renderer.Mac("fleet", "k-cp-1", "eth0");

        Assert.Matches("^02(:[0-9a-f]{2}){5}$", mac);
        Assert.Equal(mac, Renderer.Mac("fleet", "k-cp-1", "eth0"));
        Assert.NotEqual(mac, Renderer.Mac("fleet", "k-cp-2", "eth0"));
    }

    [Fact]
    public void ContentHash_FieldBoundariesMatter()
    {
        Assert.NotEqual(ContentHash.Of(("a", "bc")), ContentHash.Of(("ab", "c")));
        Assert.NotEqual(ContentHash.Of(("a", "b"), ("c", "d")), ContentHash.Of(("a", "b"), ("cd", string.Empty)));
        Assert.StartsWith("sha256:", ContentHash.Of(("a", "b")));
    }
}

public class RenderedHostYamlTests
{
    internal static RenderedHost Sample(string userData, string kernel = "/images/vmlinuz") => new()
    {
        Host = "sled-1",
        Fleet = "lab",
        AgentEndpoint = "https://sled-1:7443",
        FailureDomain = "fd-1",
        Capacity = new Resources(32, 98304),
        Allocatable = new Resources(30, 94208),
        Allocated = new Resources(2, 4096),
        SpecHash = "sha256:00",
        Microvms =
        [
            new RenderedVm
            {
                Id = "k-cp-1",
                Cluster = "k",
                Pool = "cp",
                Role = RoleNames.ControlPlane,
                Vcpu = 2,
                MemoryMiB = 4096,
                Kernel = kernel,
                Initrd = "/images/initrd",
                RootVolume = null,
                Interfaces = [new RenderedInterface("eth0", "02:00:00:00:00:01")],
                Metadata = TestFleet.Labels(("liquidmetal.dev/cluster", "k"), ("note", "yes")),
                UserData = userData,
                Hash = "sha256:11",
            },
        ],
        Metal = new RenderedMetal { Node = "k-upf-1", Cluster = "k", Pool = "upf", UserData = userData, Hash = "sha256:22" },
    };

    public static TheoryData<string> Texts() =>
    [
        string.Empty,
        "plain",
        "true",
        "123",
        "a: b",
        "- item",
        "# not a comment",
        "#cloud-config\nhostname: x\n",
        "no trailing newline\nsecond",
        "two trailing newlines\n\n",
        "  leading spaces\nnext\n",
        "\n\nleading blank lines\n",
        "tab\tinside\n\tand leading tab\n",
        "\tfirst line tab\n",
        "quotes \" and ' and \\ backslash",
        "unicode: ünïcödé ✓ 日本\n",
        "trailing spaces   \nline  \n",
        "ends with space ",
        "windows\r\nline endings\r\n",
        "control \u0001 char\n",
        "{{ not a template here }}\n",
        "  \n  \n",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void WriteRead_AnyText_RoundTripsExactly(string text)
    {
        var host = Sample(text, kernel: text.Length == 0 ? "/k" : text);
        var yaml = RenderedHostYaml.Write(host);

        var diagnostics = new List<Diagnostic>();
        var read = RenderedHostYaml.Read("sled-1.yaml", yaml, diagnostics);

        Assert.Empty(diagnostics);
        Assert.NotNull(read);
        Assert.Equal(text, read.Microvms[0].UserData);
        Assert.Equal(text, read.Metal!.UserData);
        Assert.Equal(host.Microvms[0].Kernel, read.Microvms[0].Kernel);
        Assert.Equal(yaml, RenderedHostYaml.Write(read));
    }

    [Fact]
    public void WriteRead_RandomText_RoundTrips()
    {
        var random = new Random(7);
        const string alphabet = "ab: #-'\"\\\n\t {}[]|>&*!%@`,?ü✓\r";
        for (var i = 0; i < 2000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var diagnostics = new List<Diagnostic>();
            var read = RenderedHostYaml.Read("x.yaml", RenderedHostYaml.Write(Sample(text)), diagnostics);
            Assert.True(diagnostics.Count == 0, $"case {i} {System.Text.Json.JsonSerializer.Serialize(text)}: {string.Join("; ", diagnostics)}");
            Assert.Equal(text, read!.Microvms[0].UserData);
        }
    }

    [Fact]
    public void Read_NotARenderedHost_ReportsInsteadOfThrowing()
    {
        var diagnostics = new List<Diagnostic>();

        Assert.Null(RenderedHostYaml.Read("x.yaml", "kind: Host\n", diagnostics));
        Assert.Null(RenderedHostYaml.Read("y.yaml", "{ broken", diagnostics));

        Assert.Equal(2, diagnostics.Count);
        Assert.StartsWith("x.yaml:1:1: error: not a rendered host", diagnostics[0].ToString());
    }
}
