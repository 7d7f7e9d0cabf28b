using System.Diagnostics;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>Git in, microVMs out, status back into Git: fleet-example on a git daemon and five real agents.</summary>
public sealed class ReconcileEndToEndTests
{
    [Fact]
    public async Task Reconcile_FleetExample_ConvergesAndWritesStatusWithTrailer()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(fleet.Head, result.Revision);
        Assert.Equal(12, fleet.RunningVms);
        Assert.Contains($"appliedRevision: {fleet.Head}", fleet.StatusFile("status/fleet.yaml"));
        Assert.Contains("kind: RenderedHost", fleet.StatusFile("rendered/hosts/sled-1.yaml"));
        Assert.Contains("state: Running", fleet.StatusFile("status/clusters/cluster-b.yaml"));
        var log = fleet.StatusLog();
        Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 6/6", log);
        Assert.Contains($"Fleet-Revision: {fleet.Head}", log);

        // A resync with nothing new: every agent asked, nothing applied, no commit.
        var resync = await reconciler.RunAsync();
        Assert.Null(resync.StatusCommit);
        Assert.True(resync.Converged);

        // A poll with nothing new: one remote-head check, no work at all.
        var clock = Stopwatch.StartNew();
        var idle = await reconciler.RunAsync(resync: false);
        Assert.Equal(ReconcileOutcome.Idle, idle.Outcome);
        Assert.Null(idle.StatusCommit);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"an idle poll took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Reconcile_ScaleUp_CreatesOneVmAndMovesNothing()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        var before = fleet.Agents.ToDictionary(a => a.Key, a => a.Value.Core.GetStatus().Vms.ToDictionary(v => v.Id, v => v.Since));

        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "cluster-b: a fourth worker");
        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(13, fleet.RunningVms);
        foreach (var (host, vms) in before)
        {
            var now = fleet.Agents[host].Core.GetStatus().Vms.ToDictionary(v => v.Id, v => v.Since);
            Assert.All(vms, vm => Assert.Equal(vm.Value, now[vm.Key])); // same VM, never restarted or moved
        }
    }

    [Fact]
    public async Task Reconcile_InvalidPush_RejectedWholeWithErrorsInStatusAndNothingTouched()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        var good = fleet.Head;

        // Two problems in one push: a scale-up that would be fine, and a host with a broken value.
        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 5  # demo: workers", StringComparison.Ordinal), "scale");
        var bad = fleet.Push("hosts/sled-2.yaml", text => text.Replace("    cpu: 32", "    cpu: lots", StringComparison.Ordinal), "oops");
        var result = await reconciler.RunAsync();

        Assert.False(result.Valid);
        Assert.Equal(12, fleet.RunningVms);
        var status = fleet.StatusFile("status/fleet.yaml");
        Assert.Contains($"fetchedRevision: {bad}", status);
        Assert.Contains($"appliedRevision: {good}", status);
        Assert.Contains("hosts/sled-2.yaml:15:10: error: spec.capacity.cpu: expected a whole number, found 'lots'", status);
        Assert.StartsWith("rejected", fleet.StatusLog());
    }

    [Fact]
    public async Task Reconcile_HumanCommitOnStatusBranch_IsKept()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await reconciler.RunAsync();

        // A person adds a note to the status branch while the reconciler works.
        var note = Directory.CreateTempSubdirectory("lm-note-").FullName;
        GitTool.Run(note, "clone", "--quiet", "--branch", "liquidmetal/status", fleet.Url, ".");
        GitTool.Run(note, "-c", "user.name=P", "-c", "user.email=p@example.com", "commit", "--quiet", "--allow-empty", "-m", "placeholder");
        GitTool.CommitFile(note, "notes/maintenance.md", "sled-3 gets a new fan on Monday\n", "a note");
        GitTool.Run(note, "push", "--quiet", "origin", "liquidmetal/status");

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged);
        Assert.Equal("sled-3 gets a new fan on Monday", fleet.StatusFile("notes/maintenance.md").Trim());
        Assert.Contains("a note", fleet.StatusLog());
        Directory.Delete(note, recursive: true);
    }

    [Fact]
    public async Task Reconcile_StatusPushLosesARace_IsComposedAgainOnTheWinnersCommit()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        // The server lets another writer's commit land on the status branch just before the reconciler's next push,
        // once: it adds a note, and its cluster-a status has the Ready condition true since another time.
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
        Assert.Equal("sled-2 is on the bench until Friday", fleet.StatusFile("NOTES.md").Trim());
        Assert.Contains("a person's note", fleet.StatusLog());
        Assert.Contains("cluster-b Ready 6/6", fleet.StatusLog());
        Assert.Equal(13, fleet.RunningVms);

        // Composed again on the winner's commit: cluster-a's unchanged conditions keep the winner's times.
        Assert.Contains("since: 2001-02-03T04:05:06Z", fleet.StatusFile("status/clusters/cluster-a.yaml"));
    }

    [Fact]
    public async Task Reconcile_HostReservesMoreWithSameWork_RenderedDocumentSaysSoAndNothingIsApplied()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));
        var generation = fleet.Agents["sled-3"].Core.GetStatus().ObservedGeneration;

        // Same VMs, same spec hash, but the host's allocatable changes: its rendered document must not be the old one.
        fleet.Push("hosts/sled-3.yaml", text => text.Replace("  reserved:\n    cpu: 2", "  reserved:\n    cpu: 6", StringComparison.Ordinal), "reserve more on sled-3");
        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged);
        Assert.Contains("allocatable:\n  cpu: 26\n", fleet.StatusFile("rendered/hosts/sled-3.yaml"));
        Assert.Contains("allocatable:\n  cpu: 30\n", fleet.StatusFile("rendered/hosts/sled-2.yaml"));
        Assert.Equal(generation, fleet.Agents["sled-3"].Core.GetStatus().ObservedGeneration);
    }

    [Fact]
    public async Task Reconcile_StatusNamesAnAppliedRevisionThatIsNoCommitId_FailsClosedWithoutKeys()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using (var first = await ReconcilePass.OpenAsync(fleet.Options))
        {
            Assert.True((await FleetUnderTest.ConvergeAsync(first, TimeSpan.FromSeconds(20))).Converged);
        }

        EditStatusBranch(fleet, "status/fleet.yaml", text => System.Text.RegularExpressions.Regex.Replace(text, "appliedRevision: .*", "appliedRevision: \"a\\nb\""), "garbage");
        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "scale");
        await using var fresh = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-fresh" });

        var result = await fresh.RunAsync();

        Assert.False(result.Valid);
        Assert.Contains("not a commit id", Assert.Single(result.Errors).Message);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task Reconcile_DocumentsNestedTenThousandDeep_AreErrorsNotACrash()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        // On the status branch (anyone with push access can write it) and as the fleet's own fleet.yaml.
        EditStatusBranch(fleet, "status/hosts/sled-1.yaml", _ => new string('[', 10_000), "deep");
        await using var fresh = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-fresh" });
        var read = await fresh.RunAsync();
        fleet.Push("fleet.yaml", _ => new string('[', 10_000), "deep fleet");
        var rejected = await fresh.RunAsync();

        Assert.True(read.Valid);
        Assert.Contains(read.Warnings, w => w.StartsWith("status/hosts/sled-1.yaml", StringComparison.Ordinal) && w.Contains($"nesting deeper than {LiquidMetal.Fleet.Yaml.YamlTree.MaxDepth} levels", StringComparison.Ordinal));
        Assert.False(rejected.Valid);
        Assert.Contains(rejected.Errors, e => e.ToString().StartsWith("fleet.yaml:", StringComparison.Ordinal));
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task Reconcile_CopyOfARenderedDocumentUnderAnotherName_IsLeftOutNotAFailedPass()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using (var first = await ReconcilePass.OpenAsync(fleet.Options))
        {
            await FleetUnderTest.ConvergeAsync(first, TimeSpan.FromSeconds(20));
        }

        var copy = fleet.StatusFile("rendered/hosts/sled-1.yaml");
        EditStatusBranch(fleet, "rendered/hosts/sled-1.backup.yaml", _ => copy, "keep a backup");
        await using var fresh = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-fresh" });

        var result = await fresh.RunAsync();

        Assert.True(result.Converged);
        Assert.Contains(result.Warnings, w => w.StartsWith("rendered/hosts/sled-1.backup.yaml", StringComparison.Ordinal) && w.Contains("left out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reconcile_TwoHostsEndpointsSwapped_NeitherIsAppliedAndStatusSaysWhich()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var four = File.ReadAllText(Path.Combine(fleet.Clone, "hosts/sled-4.yaml"));
        var five = File.ReadAllText(Path.Combine(fleet.Clone, "hosts/sled-5.yaml"));
        var endpoint = new System.Text.RegularExpressions.Regex("endpoint: (\\S+)");
        var (fourAt, fiveAt) = (endpoint.Match(four).Groups[1].Value, endpoint.Match(five).Groups[1].Value);
        File.WriteAllText(Path.Combine(fleet.Clone, "hosts/sled-4.yaml"), four.Replace(fourAt, fiveAt, StringComparison.Ordinal));
        fleet.Push("hosts/sled-5.yaml", text => text.Replace(fiveAt, fourAt, StringComparison.Ordinal), "swap two endpoints by mistake");
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        var result = await reconciler.RunAsync();

        Assert.False(result.Converged);
        Assert.Null(fleet.Agents["sled-4"].Core.GetStatus().Metal);
        Assert.Null(fleet.Agents["sled-5"].Core.GetStatus().Metal);
        Assert.Contains("is host sled-5, not sled-4", fleet.StatusFile("status/hosts/sled-4.yaml"));
        Assert.Equal(12, fleet.RunningVms);
    }

    /// <summary>A person's commit on the status branch that rewrites (or adds) one file.</summary>
    private static void EditStatusBranch(FleetUnderTest fleet, string path, Func<string, string> edit, string message)
    {
        var clone = Directory.CreateTempSubdirectory("lm-status-edit-").FullName;
        try
        {
            GitTool.Run(clone, "clone", "--quiet", "--branch", "liquidmetal/status", fleet.Url, ".");
            var file = Path.Combine(clone, path);
            GitTool.CommitFile(clone, path, edit(File.Exists(file) ? File.ReadAllText(file) : string.Empty), message);
            GitTool.Run(clone, "push", "--quiet", "origin", "liquidmetal/status");
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }

    [Fact]
    public async Task Reconcile_HumanBrokeAStatusDocument_IsRewrittenAndTheFleetConverges()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        // status/ is the reconciler's; a person's edit there must not wedge it (a fresh reconciler reads it back).
        var edit = Directory.CreateTempSubdirectory("lm-edit-").FullName;
        GitTool.Run(edit, "clone", "--quiet", "--branch", "liquidmetal/status", fleet.Url, ".");
        GitTool.CommitFile(edit, "status/hosts/sled-1.yaml", "kind: [unclosed\n", "break a status file");
        GitTool.CommitFile(edit, "status/clusters/cluster-a.yaml", "apiVersion: x\nkind: HostStatus\n", "wrong kind");
        GitTool.Run(edit, "push", "--quiet", "origin", "liquidmetal/status");
        await using var fresh = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-fresh" });

        var first = await fresh.RunAsync();
        var result = await FleetUnderTest.ConvergeAsync(fresh, TimeSpan.FromSeconds(20));

        Assert.Contains(first.Warnings, w => w.StartsWith("status/hosts/sled-1.yaml at ", StringComparison.Ordinal));
        Assert.Contains(first.Warnings, w => w.Contains("expected kind ClusterStatus, found HostStatus", StringComparison.Ordinal));
        Assert.True(result.Converged);
        Assert.Contains("kind: HostStatus", fleet.StatusFile("status/hosts/sled-1.yaml"));
        Assert.Contains("kind: ClusterStatus", fleet.StatusFile("status/clusters/cluster-a.yaml"));
        Directory.Delete(edit, recursive: true);
    }

    [Fact]
    public async Task Reconcile_AgentDown_OtherHostsConvergeAndStatusSaysWhichHost()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await fleet.Agents["sled-3"].Server.DisposeAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        ReconcileResult result = null!;
        for (var i = 0; i < 20 && fleet.RunningVms < 8; i++)
        {
            result = await reconciler.RunAsync();
        }

        Assert.False(result.Converged);
        Assert.Equal(8, fleet.RunningVms); // 12 microVMs, 4 of them placed on sled-3
        Assert.Contains("unreachable: sled-3", fleet.StatusFile("status/fleet.yaml"));
        Assert.Contains("reachable: false", fleet.StatusFile("status/hosts/sled-3.yaml"));
    }

    [Fact]
    public async Task Reconcile_BranchDeleted_NothingAppliedAndWhatRunsStays()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        fleet.ServerConfig("receive.denyDeleteCurrent", "ignore");
        GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "--delete", "main");
        var result = await reconciler.RunAsync();

        Assert.False(result.Valid);
        Assert.Null(result.Revision);
        Assert.Contains("no branch main", Assert.Single(result.Errors).Message);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task Reconcile_ForcePushRewritesMain_ConvergesOnTheNewHistory()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        // History rewritten: the same fleet without cluster-b, as a new root commit.
        GitTool.Run(fleet.Clone, "checkout", "--quiet", "--orphan", "rewritten");
        GitTool.Run(fleet.Clone, "rm", "--quiet", "-f", "clusters/cluster-b.yaml");
        GitTool.Run(fleet.Clone, "commit", "--quiet", "-m", "start over without cluster-b");
        GitTool.Run(fleet.Clone, "push", "--quiet", "--force", "origin", "rewritten:main");
        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(fleet.Head, result.Revision);
        Assert.Equal(6, fleet.RunningVms); // cluster-a's 6 microVMs; cluster-b's are gone
        Assert.DoesNotContain("cluster-b", fleet.StatusLog().Split('\n')[0]);
    }

    [Fact]
    public async Task Resync_VmRemovedByHand_IsPutBack()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        // Someone tells sled-1's agent to run nothing: drift the reconciler did not cause.
        var (core, _) = fleet.Agents["sled-1"];
        await core.ApplyAsync(new Agent.Core.HostDesiredState { Generation = core.GetStatus().ObservedGeneration + 1 });
        await Task.Delay(200);
        Assert.Equal(8, fleet.RunningVms);

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reconcile_ControlPlaneResized_ReplacedOneAtATimeEachWaitingForRunning(bool loseStatusBranch)
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        var oldHashes = ControlPlaneHashes(fleet);

        if (loseStatusBranch)
        {
            // The rollout must not depend on the status branch: judged from what the agents run, it still goes one by one.
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "--delete", "liquidmetal/status");
        }

        fleet.Push("clusters/cluster-a.yaml", text => text.Replace("    vcpu: 2\n    memoryMiB: 4096\n    endpoint", "    vcpu: 3\n    memoryMiB: 4096\n    endpoint", StringComparison.Ordinal), "cluster-a: bigger control plane");

        var replaced = new List<int>();
        ReconcileResult result;
        var passes = 0;
        do
        {
            result = await reconciler.RunAsync();
            var now = ControlPlaneHashes(fleet);
            var changed = now.Count(kv => kv.Value.Hash != oldHashes[kv.Key].Hash);
            var notRunning = now.Count(kv => kv.Value.State != Agent.Core.VmState.Running);
            Assert.True(notRunning <= 1, $"pass {passes}: {notRunning} control-plane VMs of cluster-a are down at once");
            replaced.Add(changed);
            await Task.Delay(20);
        }
        while (!result.Converged && ++passes < 200);

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(3, replaced[^1]);
        Assert.Equal(1, replaced[0]); // the first pass releases exactly one
        Assert.Equal([1, 2, 3], replaced.Distinct().Order()); // then one more at a time
    }

    [Fact]
    public async Task Reconcile_SuspendedCluster_FrozenWhileOthersChange()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 5  # demo: workers", StringComparison.Ordinal) + "  suspend: true\n", "cluster-b: suspended, and a change that must wait");
        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(12, fleet.RunningVms); // cluster-b's two extra workers wait for the resume
        Assert.Contains("phase: Suspended", fleet.StatusFile("status/clusters/cluster-b.yaml"));

        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("  suspend: true\n", string.Empty, StringComparison.Ordinal), "cluster-b: resumed");
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        Assert.Equal(14, fleet.RunningVms);
    }

    [Fact]
    public async Task Reconcile_HostLeavesTheFleet_IsToldToRunNothingThenForgotten()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));
        Assert.NotNull(fleet.Agents["sled-4"].Core.GetStatus().Metal);

        RemoveHost(fleet, "sled-4");
        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged);
        Assert.Null(fleet.Agents["sled-4"].Core.GetStatus().Metal); // its agent was told to run nothing
        Assert.DoesNotContain("rendered/hosts/sled-4.yaml", fleet.StatusTree());
        Assert.Contains("rendered/hosts/sled-5.yaml", fleet.StatusTree());
    }

    [Fact]
    public async Task Reconcile_HostLeavesASignedFleet_IsToldToRunNothingAtTheEndpointTheSignedRevisionGaveIt()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var keys = Directory.CreateTempSubdirectory("lm-keys-").FullName;
        try
        {
            var (key, allowed) = await SigningKeyAsync(keys);
            GitTool.Run(fleet.Clone, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + key, "commit", "--quiet", "--allow-empty", "-S", "-m", "signed release");
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
            await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { RequireSignedBy = new LiquidMetal.Git.SignatureTrust { SshAllowedSignersFile = allowed } });
            Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

            RemoveHost(fleet, "sled-4", signingKey: key);
            var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

            Assert.True(result.Converged);
            Assert.Null(fleet.Agents["sled-4"].Core.GetStatus().Metal);
            Assert.DoesNotContain("rendered/hosts/sled-4.yaml", fleet.StatusTree());
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    /// <summary>An ed25519 key and an allowed-signers file that trusts it.</summary>
    private static async Task<(string Key, string AllowedSigners)> SigningKeyAsync(string folder)
    {
        var key = Path.Combine(folder, "release");
        using var keygen = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "release", "-f", key]) { RedirectStandardOutput = true })!;
        await keygen.WaitForExitAsync();
        var allowed = Path.Combine(folder, "allowed_signers");
        await File.WriteAllTextAsync(allowed, "person@example.com " + await File.ReadAllTextAsync(key + ".pub"));
        return (key, allowed);
    }

    /// <summary>One metal worker fewer, and the host leaves the fleet, in one commit (signed with the SSH key when given).</summary>
    private static void RemoveHost(FleetUnderTest fleet, string host, string? signingKey = null)
    {
        var cluster = Path.Combine(fleet.Clone, "clusters/cluster-a.yaml");
        File.WriteAllText(cluster, File.ReadAllText(cluster).Replace("      mode: metal\n      replicas: 2", "      mode: metal\n      replicas: 1", StringComparison.Ordinal));
        GitTool.Run(fleet.Clone, "rm", "--quiet", $"hosts/{host}.yaml");
        var commit = signingKey is null
            ? new[] { "commit", "--quiet", "-am", $"{host} leaves the fleet" }
            : ["-c", "gpg.format=ssh", "-c", "user.signingkey=" + signingKey, "commit", "--quiet", "-S", "-am", $"{host} leaves the fleet"];
        GitTool.Run(fleet.Clone, commit);
        GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
    }

    [Fact]
    public async Task Reconcile_FleetAsksForSignaturesButReconcilerTrustsNoKeys_AppliesNothingAndSaysHowToFixIt()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        fleet.Push("fleet.yaml", text => text.Replace("mode: none", "mode: ssh", StringComparison.Ordinal), "require signed commits");
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        var result = await reconciler.RunAsync();

        Assert.False(result.Valid);
        var error = Assert.Single(result.Errors).Message;
        Assert.Contains("sets verify.mode: ssh", error);
        Assert.Contains("--require-ssh-signers", error);
        Assert.Equal(0, fleet.RunningVms);
        Assert.Contains("this reconciler trusts no keys", fleet.StatusFile("status/fleet.yaml"));
    }

    [Fact]
    public async Task Reconcile_UnsignedHeadTurnsVerificationOff_IsJudgedByTheAppliedRevisionsPolicy()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var keys = Directory.CreateTempSubdirectory("lm-keys-").FullName;
        try
        {
            var (key, allowed) = await SigningKeyAsync(keys);

            // A signed commit turns verification on, and a reconciler with the key applies it.
            var fleetFile = Path.Combine(fleet.Clone, "fleet.yaml");
            await File.WriteAllTextAsync(fleetFile, (await File.ReadAllTextAsync(fleetFile)).Replace("mode: none", "mode: ssh", StringComparison.Ordinal));
            GitTool.Run(fleet.Clone, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + key, "commit", "--quiet", "-S", "-am", "require signed commits");
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
            await using (var keyed = await ReconcilePass.OpenAsync(fleet.Options with { RequireSignedBy = new LiquidMetal.Git.SignatureTrust { SshAllowedSignersFile = allowed } }))
            {
                Assert.True((await FleetUnderTest.ConvergeAsync(keyed, TimeSpan.FromSeconds(20))).Converged);
            }

            // Later the reconciler runs without keys (and a fresh mirror), and an unsigned commit turns verification
            // off and adds a worker.
            fleet.Push("fleet.yaml", text => text.Replace("mode: ssh", "mode: none", StringComparison.Ordinal), "stop verifying");
            var head = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "and scale");
            await using var keyless = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-keyless" });
            var result = await keyless.RunAsync();

            Assert.False(result.Valid);
            Assert.Equal(head, result.Revision);
            Assert.Contains("at the applied revision", Assert.Single(result.Errors).Message);
            Assert.Equal(12, fleet.RunningVms);

            // Wiping the (unsigned) status branch does not help either: the mirror that saw verification on remembers.
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", ":liquidmetal/status");
            await using var keylessAgain = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-keyless" });
            var again = await keylessAgain.RunAsync();

            Assert.False(again.Valid);
            Assert.Contains("mirror records that the fleet asked for signed commits", Assert.Single(again.Errors).Message);
            Assert.Equal(12, fleet.RunningVms);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Fact]
    public async Task Reconcile_SignaturesRequired_UnsignedHeadNotAppliedAndStatusSaysWhy()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var keys = Directory.CreateTempSubdirectory("lm-keys-").FullName;
        try
        {
            var (key, allowed) = await SigningKeyAsync(keys);

            await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { RequireSignedBy = new LiquidMetal.Git.SignatureTrust { SshAllowedSignersFile = allowed } });
            var result = await reconciler.RunAsync();

            Assert.False(result.Valid);
            Assert.Contains("not applied: unsigned commit", Assert.Single(result.Errors).Message);
            Assert.Equal(0, fleet.RunningVms);
            Assert.Contains("not applied: unsigned commit", fleet.StatusFile("status/fleet.yaml"));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    [Fact]
    public async Task Reconcile_AgentThatNeverAnswers_TimesOutWithoutHoldingUpTheOthers()
    {
        await using var fleet = await FleetUnderTest.StartAsync();

        // sled-2's endpoint becomes a socket that accepts connections and never says a word.
        using var blackHole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blackHole.Start();
        var silent = $"http://127.0.0.1:{((System.Net.IPEndPoint)blackHole.LocalEndpoint).Port}";
        fleet.Push("hosts/sled-2.yaml", text => System.Text.RegularExpressions.Regex.Replace(text, "endpoint: .*", "endpoint: " + silent), "sled-2 hangs");
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { AgentCallTimeout = TimeSpan.FromMilliseconds(500) });

        var clock = Stopwatch.StartNew();
        ReconcileResult result = null!;
        for (var i = 0; i < 20 && fleet.Agents.Where(a => a.Key != "sled-2").Sum(a => a.Value.Core.GetStatus().Vms.Count(v => v.State == Agent.Core.VmState.Running)) < 8; i++)
        {
            result = await reconciler.RunAsync();
        }

        Assert.False(result.Converged);
        Assert.Contains("unreachable: sled-2", fleet.StatusFile("status/fleet.yaml"));
        Assert.True(result.Duration < TimeSpan.FromSeconds(5), $"one pass took {result.Duration.TotalSeconds:0.0} s with one silent agent");
    }

    [Fact]
    public async Task Reconcile_RemoteUnreachable_FailsCleanlyAndTouchesNothing()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        await using var lost = await ReconcilePass.OpenAsync(fleet.Options with { RepositoryUrl = "git://127.0.0.1:1/fleet.git", MirrorPath = fleet.Options.MirrorPath + "-lost" });
        await Assert.ThrowsAsync<LiquidMetal.Git.GitException>(() => lost.RunAsync());

        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task Reconcile_AgentRestartedMidApply_ConvergesWithoutDuplicates()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 6  # demo: workers", StringComparison.Ordinal), "three more workers");
        var pass = reconciler.RunAsync();
        await fleet.RestartAgentAsync("sled-1");
        await pass;

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(15, fleet.RunningVms);
        var ids = fleet.Agents.Values.SelectMany(a => a.Core.GetStatus().Vms).Select(v => v.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    private static Dictionary<string, (string Hash, Agent.Core.VmState State)> ControlPlaneHashes(FleetUnderTest fleet) =>
        fleet.Agents.Values.SelectMany(a => a.Core.GetStatus().Vms)
            .Where(vm => vm.Id.StartsWith("cluster-a-cp-", StringComparison.Ordinal))
            .ToDictionary(vm => vm.Id, vm => (vm.Hash, vm.State));
}
