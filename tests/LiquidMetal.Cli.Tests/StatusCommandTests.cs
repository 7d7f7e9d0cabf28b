using LiquidMetal.Cli.Commands;
using LiquidMetal.Cli.Output;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Tests;

public sealed class StatusCommandTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("lm-status-cmd-").FullName;

    [Fact]
    public async Task RunAsync_StatusBranch_PrintsRevisionsClustersAndHosts()
    {
        var repo = RepoWithStatus();
        var output = new StringWriter();

        var code = await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", output, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("fleet revisions: fetched abc123, rendered abc123, applied abc123", text);
        Assert.Contains("cluster-a  Provisioning  1/2    Reconciling (Creating)", text);
        Assert.Contains("sled-1  yes        4/30  8192/122880  2 (1 Creating, 1 Running)", text);
    }

    [Fact]
    public async Task RunAsync_Nodes_OneRowPerNodeWithItsAddressesAndNoneByDefault()
    {
        var repo = RepoWithStatus();
        var plain = new StringWriter();
        var withNodes = new StringWriter();

        await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", plain, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));
        var code = await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", withNodes, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"), nodes: true);

        Assert.Equal(0, code);
        Assert.DoesNotContain("ADDRESSES", plain.ToString());
        var text = withNodes.ToString();
        Assert.Contains("NODE            CLUSTER    ROLE           HOST    ADDRESSES                        STATE", text);
        Assert.Contains("cluster-a-cp-1  cluster-a  control-plane  sled-1  10.20.1.100/24 fd00:20:1::64/64  Running", text);
        Assert.Contains("cluster-a-cp-2  cluster-a  control-plane  sled-1  -                                Creating", text);
    }

    [Fact]
    public async Task RunAsync_Json_IsMachineReadable()
    {
        var output = new StringWriter();

        var code = await StatusCommand.RunAsync(RepoWithStatus(), "liquidmetal/status", "json", output, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal("Provisioning", json.RootElement.GetProperty("clusters")[0].GetProperty("phase").GetString());
        Assert.Equal(122880, json.RootElement.GetProperty("hosts")[0].GetProperty("capacity").GetProperty("memoryMiB").GetInt64());
        Assert.Equal("10.20.1.100/24", json.RootElement.GetProperty("clusters")[0].GetProperty("nodes")[0].GetProperty("addresses")[0].GetString());
    }

    [Fact]
    public async Task RunAsync_NoStatusBranch_SaysSoAndFails()
    {
        var repo = Path.Combine(_root, "empty");
        Directory.CreateDirectory(repo);
        TestRepos.Git(repo, "init", "--quiet", "--initial-branch=main");
        TestRepos.Git(repo, "commit", "--quiet", "--allow-empty", "-m", "first");
        var error = new StringWriter();

        var code = await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", new StringWriter(), error, CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(3, code);
        Assert.Contains("has no branch liquidmetal/status", error.ToString());
    }

    [Fact]
    public async Task RunAsync_AgentRefusalOfThousandsOfCharacters_TableShowsOneShortLineAndJsonTheWholeMessage()
    {
        var refusal = "agent refused: InvalidArgument: desired state refused: " + string.Join("; ", Enumerable.Range(1, 40).Select(i =>
            $"vm cluster-a-workers-{i}: kernel \"/srv/images/vmlinuz\" is outside the allowed image folders; allowed: /var/lib/liquidmetal/images"));
        Assert.True(refusal.Length > 4000);
        var repo = RepoWithStatus(new HostStatusDocument("sled-2", false, refusal, new Resources(32, 98304), Resources.Zero, 0, []));
        var table = new StringWriter();
        var json = new StringWriter();

        Assert.Equal(0, await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", table, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git")));
        Assert.Equal(0, await StatusCommand.RunAsync(repo, "liquidmetal/status", "json", json, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git")));

        var row = Assert.Single(table.ToString().Split('\n'), l => l.StartsWith("sled-2 ", StringComparison.Ordinal));
        Assert.Equal("sled-2  refused: vm cluster-a-workers-1: kernel \"/srv/images/vmlinuz\" is…  0/32  0/98304      0", row);
        Assert.Contains("(reasons cut short: each whole is in --format json, and in status/hosts/<host>.yaml on the status branch)", table.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        Assert.Equal(refusal, document.RootElement.GetProperty("hosts")[1].GetProperty("error").GetString());
    }

    [Fact]
    public async Task RunAsync_AgentOffersLessThanDeclared_TableAndJsonFlagTheHostWithBothFigures()
    {
        var condition = CapacityCondition.Of(new Resources(32, 65536), new Resources(64, 262144), new Resources(24, 49152), Noon);
        var repo = RepoWithStatus(new HostStatusDocument("sled-2", true, null, new Resources(32, 65536), new Resources(24, 49152), 2, []) { Conditions = [condition] });
        var table = new StringWriter();
        var json = new StringWriter();

        Assert.Equal(0, await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", table, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git")));
        Assert.Equal(0, await StatusCommand.RunAsync(repo, "liquidmetal/status", "json", json, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git")));

        Assert.Contains(
            "\n  sled-2: CapacityMatches=False AgentOffersLess: the agent offers 32 vCPU and 65536 MiB; the fleet declares 64 vCPU and 262144 MiB; the VMs placed here (49152 MiB) fit, but it refuses any spec whose VMs need more than 65536 MiB together; it refuses nothing for CPU (vCPUs are shared)\n",
            table.ToString());
        Assert.DoesNotContain("sled-1: CapacityMatches", table.ToString()); // no condition recorded for it
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        var written = document.RootElement.GetProperty("hosts")[1].GetProperty("conditions")[0];
        Assert.Equal("CapacityMatches", written.GetProperty("type").GetString());
        Assert.False(written.GetProperty("status").GetBoolean());
        Assert.Equal("AgentOffersLess", written.GetProperty("reason").GetString());
        Assert.Equal(condition.Message, written.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("agent refused: ResourceExhausted: not enough memory", "refused: not enough memory")]
    [InlineData("agent refused: FailedPrecondition: this agent runs host sled-9, not sled-2: check the host's agent.endpoint in the fleet",
        "refused: this agent runs host sled-9, not sled-2: check the host's…")]
    [InlineData("agent at https://sled-2.example:7443 unreachable: Unavailable: Error connecting to subchannel.\n  at the second line", "unreachable: Unavailable: Error connecting to subchannel.")]
    [InlineData("the agent at https://sled-2.example:7443 is host sled-3, not sled-2: check agent.endpoint in hosts/sled-2.yaml", "other host: its agent is sled-3")]
    [InlineData("agent not asked yet", "no: agent not asked yet")]
    [InlineData(null, "no: no reason recorded")]
    public void Reason_EachKindOfError_OneStableLineWithinTheWidth(string? error, string expected)
    {
        var reason = ShortText.Reason(error);

        Assert.Equal(expected, reason);
        Assert.True(reason.Length <= ShortText.ReasonWidth);
    }

    private string RepoWithStatus(params HostStatusDocument[] moreHosts)
    {
        var repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "status", "clusters"));
        Directory.CreateDirectory(Path.Combine(repo, "status", "hosts"));
        TestRepos.Git(repo, "init", "--quiet", "--initial-branch=liquidmetal/status");
        File.WriteAllText(Path.Combine(repo, "status", "fleet.yaml"), StatusYaml.Write(new FleetStatusDocument("abc123", "abc123", "abc123", [], [])));
        File.WriteAllText(Path.Combine(repo, "status", "clusters", "cluster-a.yaml"), StatusYaml.Write(new ClusterStatusDocument("cluster-a", "Provisioning",
            [new Condition("Reconciling", true, "Creating", "1 node creating", Noon)],
            [new NodeStatus("cluster-a-cp-1", "control-plane", "sled-1", "Running", Noon, null) { Addresses = ["10.20.1.100/24", "fd00:20:1::64/64"] }, new NodeStatus("cluster-a-cp-2", "control-plane", "sled-1", "Creating", Noon, null)])));
        File.WriteAllText(Path.Combine(repo, "status", "hosts", "sled-1.yaml"), StatusYaml.Write(new HostStatusDocument("sled-1", true, null, new Resources(30, 122880), new Resources(4, 8192), 3,
            [new VmStatusEntry("cluster-a-cp-1", "cluster-a", "Running", Noon, null, 0), new VmStatusEntry("cluster-a-cp-2", "cluster-a", "Creating", Noon, null, 0)])));
        foreach (var host in moreHosts)
        {
            File.WriteAllText(Path.Combine(repo, "status", "hosts", host.Name + ".yaml"), StatusYaml.Write(host));
        }

        TestRepos.Git(repo, "add", ".");
        TestRepos.Git(repo, "commit", "--quiet", "-m", "status");
        return repo;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
