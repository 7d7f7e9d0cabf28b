using LiquidMetal.Reconciler.Pass;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The status branch in a real repository that people write to as well: their commits, races and breakage.</summary>
public sealed class StatusBranchEndToEndTests
{
    [Fact]
    public async Task Reconcile_PeoplesCommitsOnTheStatusBranch_AreKeptAlsoWhenOneWinsAPushRace()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        // A person adds a note to the status branch between two passes.
        EditStatusBranch(fleet, "a note", ("notes/maintenance.md", "sled-3 gets a new fan on Monday\n"));

        // And the server lets another writer's commit land on the status branch just before the reconciler's next
        // push, once: it adds a note, and its cluster-a status has the Ready condition true since another time.
        fleet.ServerHook("pre-receive", """
            #!/bin/sh
            while read old new ref; do
              if [ "$ref" = refs/heads/liquidmetal/status ] && [ ! -e "$GIT_DIR/raced" ]; then
                touch "$GIT_DIR/raced"
                unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
                export GIT_INDEX_FILE="$GIT_DIR/race-index"
                git read-tree "$old"
                note=$(echo "sled-2 is on the bench until Friday" | git hash-object -w --stdin)
                cluster=$(git cat-file blob "$old:status/clusters/cluster-a.yaml" | sed 's/since: .*/since: 2001-02-03T04:05:06Z/' | git hash-object -w --stdin)
                git update-index --add --cacheinfo "100644,$note,NOTES.md" --cacheinfo "100644,$cluster,status/clusters/cluster-a.yaml"
                tree=$(git write-tree)
                commit=$(GIT_AUTHOR_NAME=P GIT_AUTHOR_EMAIL=p@example.com GIT_COMMITTER_NAME=P GIT_COMMITTER_EMAIL=p@example.com git commit-tree "$tree" -p "$old" -m "a person's note")
                git update-ref refs/heads/liquidmetal/status "$commit" "$old"
                echo "raced" >&2
                exit 1
              fi
            done
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "scale");

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged);
        Assert.Equal(13, fleet.RunningVms);

        // The pass says where its status stage went: composing, the commit's objects, the push.
        Assert.NotNull(result.StatusCommit);
        Assert.True(result.Timings.StatusObjects > TimeSpan.Zero, "no time for the commit's objects");
        Assert.True(result.Timings.StatusPush > TimeSpan.Zero, "no time for the push");
        Assert.True(result.Timings.StatusCompose + result.Timings.StatusObjects + result.Timings.StatusPush <= result.Timings.Status, result.Timings.ToString());
        Assert.Equal("sled-3 gets a new fan on Monday", fleet.StatusFile("notes/maintenance.md").Trim());
        Assert.Equal("sled-2 is on the bench until Friday", fleet.StatusFile("NOTES.md").Trim());
        Assert.StartsWith("<!-- liquidmetal status: ", fleet.StatusFile("README.md"));
        Assert.Contains("\n# Fleet openedge-lab: Ready\n", fleet.StatusFile("README.md"));
        Assert.Contains("<g class=\"host\" data-host=\"sled-5\">", fleet.StatusFile("status/capacity.svg"));
        var log = fleet.StatusLog();
        Assert.Contains("a note", log);
        Assert.Contains("a person's note", log);
        Assert.Contains("cluster-b Ready 7/7", log);

        // Composed again on the winner's commit: cluster-a's unchanged conditions keep the winner's times.
        Assert.Contains("since: 2001-02-03T04:05:06Z", fleet.StatusFile("status/clusters/cluster-a.yaml"));
    }

    [Fact]
    public async Task Reconcile_StatusBranchBrokenByHand_ReadWithWarningsRewrittenAndConverged()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using (var first = await ReconcilePass.OpenAsync(fleet.Options))
        {
            Assert.True((await FleetUnderTest.ConvergeAsync(first, TimeSpan.FromSeconds(20))).Converged);
        }

        // status/ and rendered/ are the reconciler's, but anyone with push access can write them: what a person breaks
        // there must not wedge it (a fresh reconciler reads it all back from git).
        EditStatusBranch(
            fleet,
            "break a status file, give one the wrong kind, nest one too deep, and keep a backup of a rendered document",
            ("status/hosts/sled-1.yaml", "kind: [unclosed\n"),
            ("status/clusters/cluster-a.yaml", "apiVersion: x\nkind: HostStatus\n"),
            ("status/hosts/sled-2.yaml", new string('[', 10_000)),
            ("rendered/hosts/sled-1.backup.yaml", fleet.StatusFile("rendered/hosts/sled-1.yaml")));
        await using var fresh = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-fresh" });

        var read = await fresh.RunAsync();
        var result = await FleetUnderTest.ConvergeAsync(fresh, TimeSpan.FromSeconds(20));

        Assert.True(read.Valid);
        Assert.Contains(read.Warnings, w => w.StartsWith("status/hosts/sled-1.yaml at ", StringComparison.Ordinal));
        Assert.Contains(read.Warnings, w => w.Contains("expected kind ClusterStatus, found HostStatus", StringComparison.Ordinal));
        Assert.Contains(read.Warnings, w => w.StartsWith("status/hosts/sled-2.yaml", StringComparison.Ordinal) && w.Contains($"nesting deeper than {LiquidMetal.Fleet.Yaml.YamlTree.MaxDepth} levels", StringComparison.Ordinal));
        Assert.Contains(read.Warnings, w => w.StartsWith("rendered/hosts/sled-1.backup.yaml", StringComparison.Ordinal) && w.Contains("left out", StringComparison.Ordinal));
        Assert.True(result.Converged);
        Assert.Equal(12, fleet.RunningVms);
        Assert.Contains("kind: HostStatus", fleet.StatusFile("status/hosts/sled-1.yaml"));
        Assert.Contains("kind: HostStatus", fleet.StatusFile("status/hosts/sled-2.yaml"));
        Assert.Contains("kind: ClusterStatus", fleet.StatusFile("status/clusters/cluster-a.yaml"));
        Assert.DoesNotContain("rendered/hosts/sled-1.backup.yaml", fleet.StatusTree());
    }

    /// <summary>A person's commit on the status branch that writes (or adds) the given files.</summary>
    private static void EditStatusBranch(FleetUnderTest fleet, string message, params (string Path, string Text)[] files)
    {
        var clone = Directory.CreateTempSubdirectory("lm-status-edit-").FullName;
        try
        {
            GitTool.Run(clone, "clone", "--quiet", "--branch", "liquidmetal/status", fleet.Url, ".");
            foreach (var (path, text) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(clone, path))!);
                File.WriteAllText(Path.Combine(clone, path), text);
                GitTool.Run(clone, "add", path);
            }

            GitTool.Run(clone, "-c", "user.name=P", "-c", "user.email=p@example.com", "commit", "--quiet", "-m", message);
            GitTool.Run(clone, "push", "--quiet", "origin", "liquidmetal/status");
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }
}
