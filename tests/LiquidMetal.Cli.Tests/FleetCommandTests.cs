using System.Diagnostics;
using LiquidMetal.Cli.Commands;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Tests;

/// <summary>validate, render and plan on fleet-example and on copies of it with one thing changed.</summary>
public sealed class FleetCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lm-fleet-cmd-").FullName;

    private static string Example() => TestRepos.Example();

    private string CopyOfExample(string name)
    {
        var target = Path.Combine(_root, name);
        foreach (var file in Directory.EnumerateFiles(Example(), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Example(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return target;
    }

    /// <summary>The example fleet pushed to a bare repository as main, and a branch scale-b giving cluster-b a fourth worker.</summary>
    private (string Bare, string Clone) PushExampleWithScaleBranch()
    {
        var bare = Path.Combine(_root, "fleet.git");
        var clone = CopyOfExample("clone");
        TestRepos.Git(_root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
        TestRepos.Git(clone, "init", "--quiet", "--initial-branch=main");
        TestRepos.Git(clone, "add", "-A");
        TestRepos.Git(clone, "commit", "--quiet", "-m", "fleet");
        TestRepos.Git(clone, "remote", "add", "origin", bare);
        TestRepos.Git(clone, "push", "--quiet", "origin", "main");
        TestRepos.Git(clone, "checkout", "--quiet", "-b", "scale-b");
        Edit(clone, "clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");
        TestRepos.Git(clone, "commit", "--quiet", "-am", "scale");
        TestRepos.Git(clone, "push", "--quiet", "origin", "scale-b");
        return (bare, clone);
    }

    private static void Edit(string directory, string file, string from, string to)
    {
        var path = Path.Combine(directory, file);
        var text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Example_ExitZeroAndOneLineSummary()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = ValidateCommand.Run(Example(), output, error);

        Assert.Equal(0, code);
        Assert.Empty(error.ToString());
        var line = Assert.Single(output.ToString().TrimEnd().Split('\n'));
        Assert.EndsWith("valid: fleet openedge-lab, 5 hosts, 2 clusters, 14 nodes placed (12 microVMs, 2 metal)", line);
    }

    [Fact]
    public void Validate_TwoBrokenFiles_ExitTwoAndEveryErrorWithFileLineColumn()
    {
        var fleet = CopyOfExample("broken");
        Edit(fleet, "hosts/sled-2.yaml", "    cpu: 32", "    cpu: lots");
        Edit(fleet, "clusters/cluster-b.yaml", "{{ node.name }}", "{{ node.nmae }}");
        var error = new StringWriter();

        var code = ValidateCommand.Run(fleet, new StringWriter(), error);

        Assert.Equal(2, code);
        var lines = error.ToString().TrimEnd().Split('\n');
        Assert.Contains(lines, l => l.StartsWith(Path.Join(fleet, "hosts/sled-2.yaml") + ":15:10: error: spec.capacity.cpu: expected a whole number, found 'lots'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(Path.Join(fleet, "clusters/cluster-b.yaml") + ":20:17: error: spec.bootstrap.userData: unknown template variable 'node.nmae' (did you mean 'node.name'?)", StringComparison.Ordinal));
        Assert.Equal($"{fleet}: 2 error(s)", lines[^1]);
    }

    [Fact]
    public void Validate_CapacityThatCannotFit_SaysWhichResourceHowMuchAndWhere()
    {
        var fleet = CopyOfExample("too-big");
        Edit(fleet, "clusters/cluster-b.yaml", "      replicas: 3  # demo: workers", "      replicas: 3  # demo: workers\n      memoryMiB: 90112");
        var error = new StringWriter();

        var code = ValidateCommand.Run(fleet, new StringWriter(), error);

        Assert.Equal(2, code);
        var text = error.ToString();
        Assert.Contains("clusters/cluster-b.yaml:16:17: error: cluster cluster-b: cannot place cluster-b-workers-1", text);
        Assert.Contains("rule 'capacity'", text);
        Assert.Contains("MiB memory", text);
    }

    [Fact]
    public void Render_Out_OneDocumentPerHostAndStableAgainstItself()
    {
        var output = Path.Combine(_root, "rendered");

        Assert.Equal(0, RenderCommand.Run(Example(), output, null, stats: false, new StringWriter(), new StringWriter()));
        var first = Directory.GetFiles(output).Order().Select(File.ReadAllText).ToList();
        Assert.Equal(5, first.Count);
        Assert.Equal(0, RenderCommand.Run(Example(), output, output, stats: false, new StringWriter(), new StringWriter()));
        Assert.Equal(first, Directory.GetFiles(output).Order().Select(File.ReadAllText));
    }

    [Fact]
    public void Render_Out_TheDocumentsStdoutGetsAndEveryMicrovmCounted()
    {
        // Into a directory, each host is rendered as its file is written; to stdout, the fleet is rendered first.
        var output = Path.Combine(_root, "rendered");
        var said = new StringWriter();
        var stdout = new StringWriter();

        Assert.Equal(0, RenderCommand.Run(Example(), output, null, stats: false, said, new StringWriter()));
        Assert.Equal(0, RenderCommand.Run(Example(), null, null, stats: false, stdout, new StringWriter()));

        var files = Directory.GetFiles(output).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        Assert.Equal(stdout.ToString(), string.Join("---\n", files));
        var vms = stdout.ToString().Split("\n  - id: ").Length - 1;
        var metal = stdout.ToString().Split("\nmetal:\n").Length - 1;
        Assert.True(vms > 0);
        Assert.Equal($"rendered 5 hosts ({vms} microVMs, {metal} metal) into {output}\n", said.ToString());
    }

    [Fact]
    public void Render_OutIsAFileOrUnderOne_ExitFailedSayingWhereAndLeavesNothing()
    {
        var file = Path.Combine(_root, "taken");
        File.WriteAllText(file, "not a directory\n");

        foreach (var output in new[] { file, Path.Combine(file, "rendered") })
        {
            var error = new StringWriter();
            Assert.Equal(ExitCodes.Failed, RenderCommand.Run(Example(), output, null, stats: false, new StringWriter(), error));
            Assert.StartsWith($"liquidmetal: cannot write the rendered hosts into {output}: ", error.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal("not a directory\n", File.ReadAllText(file));
        Assert.Equal([file], Directory.GetFileSystemEntries(_root)); // no staging directory left beside it
    }

    [Fact]
    public void Render_OutFailsWhileWritingADocument_ExitFailedSayingWhere()
    {
        var output = Path.Combine(_root, "rendered");
        Assert.Equal(0, RenderCommand.Run(Example(), output, null, stats: false, new StringWriter(), new StringWriter()));
        var blocker = Path.Combine(output, "sled-3.yaml.tmp"); // where that host's document is written before it is renamed
        Directory.CreateDirectory(blocker);

        var error = new StringWriter();
        Assert.Equal(ExitCodes.Failed, RenderCommand.Run(Example(), output, null, stats: false, new StringWriter(), error));

        Assert.StartsWith($"liquidmetal: cannot write the rendered hosts into {output}: ", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AggregateException", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Stdout_AllDocumentsSeparated()
    {
        var output = new StringWriter();

        Assert.Equal(0, RenderCommand.Run(Example(), null, null, stats: false, output, new StringWriter()));

        Assert.Equal(5, output.ToString().Split("kind: RenderedHost\n").Length - 1);
        Assert.Equal(4, output.ToString().Split("\n---\n").Length - 1);
    }

    [Fact]
    public void Plan_ExitCodes_NoChangeChangesInvalidHead()
    {
        var scaled = CopyOfExample("scaled");
        Edit(scaled, "clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");
        var invalid = CopyOfExample("invalid");
        Edit(invalid, "hosts/sled-1.yaml", "kind: Host", "kind: Cluster");

        var same = new StringWriter();
        Assert.Equal(0, PlanCommand.Run(Example(), Example(), "text", null, same, new StringWriter()));
        Assert.StartsWith("Plan for fleet openedge-lab: 0 to create, 0 to replace, 0 to delete", same.ToString());

        var changes = new StringWriter();
        Assert.Equal(1, PlanCommand.Run(Example(), scaled, "markdown", null, changes, new StringWriter()));
        Assert.Contains("**create** `cluster-b-workers-4` (worker, 4 vCPU, 8192 MiB): pool workers scaled up", changes.ToString());

        var error = new StringWriter();
        Assert.Equal(2, PlanCommand.Run(Example(), invalid, "json", null, new StringWriter(), error));
        Assert.Contains("hosts/sled-1.yaml:3:7: error: kind 'Cluster' does not belong here", error.ToString());
    }

    [Fact]
    public async Task Executable_ValidateBrokenFleet_ExitTwoOnStderr()
    {
        var fleet = CopyOfExample("process");
        File.WriteAllBytes(Path.Combine(fleet, "hosts/sled-3.yaml"), [0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0x0a]);
        var cli = Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { cli, "validate", fleet })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Empty(await stdout);
        Assert.Contains("hosts/sled-3.yaml:1:7: error: the file is not valid UTF-8 (byte 0xFF)", stderr);
    }

    [Fact]
    public async Task PlanFromGit_PullRequestBranch_PlansWhatMergingItDoes()
    {
        var (bare, _) = PushExampleWithScaleBranch();

        var output = new StringWriter();
        var code = await PlanCommand.RunFromGitAsync(bare, "main", "scale-b", "liquidmetal/status", "text", output, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(1, code);
        Assert.Contains("+ create  cluster-b-workers-4", output.ToString());
        Assert.Equal(0, await PlanCommand.RunFromGitAsync(bare, "main", "main", "liquidmetal/status", "text", new StringWriter(), new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git")));
    }

    [Fact]
    public async Task PlanFromGit_StatusBranchKnowsAgentsOfferLess_PlanSaysSoWithBothFigures()
    {
        var (bare, clone) = PushExampleWithScaleBranch();

        // What a reconciler recorded: every sled's agent offers 16384 MiB where the fleet declares 98304.
        TestRepos.Git(clone, "checkout", "--quiet", "--orphan", "liquidmetal/status");
        TestRepos.Git(clone, "rm", "--quiet", "-r", "-f", ".");
        Directory.CreateDirectory(Path.Combine(clone, "status", "hosts"));
        var offered = new Resources(32, 16384);
        foreach (var sled in Enumerable.Range(1, 5).Select(i => $"sled-{i}"))
        {
            var condition = CapacityCondition.Of(offered, new Resources(32, 98304), new Resources(12, 24576), DateTimeOffset.UnixEpoch);
            File.WriteAllText(Path.Combine(clone, "status", "hosts", sled + ".yaml"), StatusYaml.Write(new HostStatusDocument(sled, false, "agent refused", offered, Resources.Zero, 1, []) { Conditions = [condition] }));
        }

        TestRepos.Git(clone, "add", "-A");
        TestRepos.Git(clone, "commit", "--quiet", "-m", "status");
        TestRepos.Git(clone, "push", "--quiet", "origin", "liquidmetal/status");

        var text = new StringWriter();
        var json = new StringWriter();
        var code = await PlanCommand.RunFromGitAsync(bare, "main", "scale-b", "liquidmetal/status", "text", text, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));
        await PlanCommand.RunFromGitAsync(bare, "main", "scale-b", "liquidmetal/status", "json", json, new StringWriter(), CancellationToken.None, Path.Combine(_root, "mirror.git"));

        Assert.Equal(1, code); // what the status branch knows is no change of its own
        var lines = text.ToString().Split('\n');
        Assert.Equal("Known from the status branch:", lines[2]);
        Assert.StartsWith("  sled-1: CapacityMatches=False (AgentOffersLess): the agent offers 32 vCPU and 16384 MiB; the fleet declares 32 vCPU and 98304 MiB", lines[3]);
        Assert.Equal(5, lines.Count(l => l.Contains("CapacityMatches=False (AgentOffersLess)", StringComparison.Ordinal)));

        // The host that gets the new worker: its VMs need more than the agent offers after the change too.
        var changed = Assert.Single(lines, l => l.Contains("with this change", StringComparison.Ordinal));
        Assert.Matches(@"with this change its VMs need \d+ MiB together, more than the agent offers: it will refuse the host's spec$", changed);
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        var notice = document.RootElement.GetProperty("notices")[0];
        Assert.Equal(("sled-1", "CapacityMatches", "AgentOffersLess"), (notice.GetProperty("host").GetString(), notice.GetProperty("condition").GetString(), notice.GetProperty("reason").GetString()));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
