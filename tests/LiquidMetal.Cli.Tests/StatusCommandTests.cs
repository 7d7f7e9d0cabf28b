using System.Diagnostics;
using LiquidMetal.Cli.Commands;
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
    public async Task RunAsync_Json_IsMachineReadable()
    {
        var output = new StringWriter();

        var code = await StatusCommand.RunAsync(RepoWithStatus(), "liquidmetal/status", "json", output, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal("Provisioning", json.RootElement.GetProperty("clusters")[0].GetProperty("phase").GetString());
        Assert.Equal(122880, json.RootElement.GetProperty("hosts")[0].GetProperty("capacity").GetProperty("memoryMiB").GetInt64());
    }

    [Fact]
    public async Task RunAsync_NoStatusBranch_SaysSoAndFails()
    {
        var repo = Path.Combine(_root, "empty");
        Directory.CreateDirectory(repo);
        Git(repo, "init", "--quiet", "--initial-branch=main");
        Git(repo, "commit", "--quiet", "--allow-empty", "-m", "first");
        var error = new StringWriter();

        var code = await StatusCommand.RunAsync(repo, "liquidmetal/status", "table", new StringWriter(), error, CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(3, code);
        Assert.Contains("has no branch liquidmetal/status", error.ToString());
    }

    private string RepoWithStatus()
    {
        var repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "status", "clusters"));
        Directory.CreateDirectory(Path.Combine(repo, "status", "hosts"));
        Git(repo, "init", "--quiet", "--initial-branch=liquidmetal/status");
        File.WriteAllText(Path.Combine(repo, "status", "fleet.yaml"), StatusYaml.Write(new FleetStatusDocument("abc123", "abc123", "abc123", [], [])));
        File.WriteAllText(Path.Combine(repo, "status", "clusters", "cluster-a.yaml"), StatusYaml.Write(new ClusterStatusDocument("cluster-a", "Provisioning",
            [new Condition("Reconciling", true, "Creating", "1 node creating", Noon)],
            [new NodeStatus("cluster-a-cp-1", "control-plane", "sled-1", "Running", Noon, null), new NodeStatus("cluster-a-cp-2", "control-plane", "sled-1", "Creating", Noon, null)])));
        File.WriteAllText(Path.Combine(repo, "status", "hosts", "sled-1.yaml"), StatusYaml.Write(new HostStatusDocument("sled-1", true, null, new Resources(30, 122880), new Resources(4, 8192), 3,
            [new VmStatusEntry("cluster-a-cp-1", "cluster-a", "Running", Noon, null, 0), new VmStatusEntry("cluster-a-cp-2", "cluster-a", "Creating", Noon, null, 0)])));
        Git(repo, "add", ".");
        Git(repo, "commit", "--quiet", "-m", "status");
        return repo;
    }

    private static void Git(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GIT_AUTHOR_NAME"] = info.Environment["GIT_COMMITTER_NAME"] = "Test";
        info.Environment["GIT_AUTHOR_EMAIL"] = info.Environment["GIT_COMMITTER_EMAIL"] = "test@example.com";
        using var process = Process.Start(info)!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
