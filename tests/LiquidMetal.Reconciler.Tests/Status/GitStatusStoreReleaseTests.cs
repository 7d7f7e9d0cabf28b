using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Git;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Status;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>Control-plane releases on a real status branch, written by two reconcilers' own mirrors through a git daemon.</summary>
public sealed class GitStatusStoreReleaseTests : IClassFixture<GitDaemonFixture>, IDisposable
{
    private const string Branch = "liquidmetal/status";
    private static readonly DateTimeOffset At = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly string _url;
    private readonly string _clone;
    private readonly string _root = Directory.CreateTempSubdirectory("lm-release-").FullName;

    public GitStatusStoreReleaseTests(GitDaemonFixture server)
    {
        (_url, _clone) = StatusBranchClone.Start(server, "release");
    }

    [Fact]
    public async Task RecordReleasesAsync_TwoReconcilersOnOneTip_OneWinsAndTheOtherReadsTheWinnersRelease()
    {
        await using var mirrorA = await GitMirror.OpenAsync(Path.Combine(_root, "a.git"), _url);
        await using var mirrorB = await GitMirror.OpenAsync(Path.Combine(_root, "b.git"), _url);
        var a = Store(mirrorA);
        var b = Store(mirrorB);
        var status = await a.WriteAsync(_ => Task.FromResult(Status()), null, new List<string>(), CancellationToken.None);
        var tip = status.Tip;
        await mirrorB.SyncAsync([Branch]);

        var won = await b.RecordReleasesAsync(tip, [new ControlPlaneRelease("cluster-a", "cluster-a-cp-2", "sha256:two", At)], CancellationToken.None);
        var lost = await a.RecordReleasesAsync(tip, [new ControlPlaneRelease("cluster-a", "cluster-a-cp-1", "sha256:one", At)], CancellationToken.None);
        var warnings = new List<string>();
        var read = await a.ReadReleasesAsync(lost.Tip, warnings, CancellationToken.None);

        Assert.True(won.Recorded);
        Assert.False(lost.Recorded);
        Assert.Equal(won.Tip, lost.Tip); // the tip that won, to decide again on
        Assert.Equal(new ControlPlaneRelease("cluster-a", "cluster-a-cp-2", "sha256:two", At), read["cluster-a"]);
        Assert.Empty(warnings);
        Assert.Equal("fleet\n", Show(won.Tip!, "status/fleet.yaml")); // status/ as it was
        Assert.StartsWith("rollout: cluster-a: replacing cluster-a-cp-2", GitTool.Run(_clone, "log", "-1", "--format=%s", won.Tip!), StringComparison.Ordinal);

        // A's next status commit keeps B's release: rollout/ is not the status writer's.
        var next = await a.WriteAsync(_ => Task.FromResult(Status("fleet again")), lost.Tip, new List<string>(), CancellationToken.None);
        Assert.Contains("vm: cluster-a-cp-2", Show(next.Commit!, ControlPlaneRelease.PathOf("cluster-a")));
    }

    [Fact]
    public async Task ReadReleasesAsync_AFileSomeoneBroke_LeftOutWithAWarningAndReplacedByTheNextReleaseWhichKeepsAPersonsNotes()
    {
        await using var mirror = await GitMirror.OpenAsync(Path.Combine(_root, "a.git"), _url);
        var store = Store(mirror);
        await store.WriteAsync(_ => Task.FromResult(Status()), null, new List<string>(), CancellationToken.None);
        Edit(clone =>
        {
            Directory.CreateDirectory(Path.Combine(clone, "rollout", "clusters"));
            File.WriteAllText(Path.Combine(clone, "rollout", "clusters", "cluster-a.yaml"), "kind: ControlPlaneRelease\nvm: [\n");
            File.WriteAllText(Path.Combine(clone, "rollout", "clusters", "cluster-b.yaml"), Encoding.UTF8.GetString(new ControlPlaneRelease("cluster-c", "cluster-c-cp-1", "sha256:c", At).ToBytes()));
            File.WriteAllText(Path.Combine(clone, "rollout", "NOTES.md"), "rollouts are paused on Fridays\n");
        }, "broken by hand");
        var tip = (await mirror.SyncAsync([Branch])).RemoteHeads[Branch];

        var warnings = new List<string>();
        var read = await store.ReadReleasesAsync(tip, warnings, CancellationToken.None);
        var replaced = await store.RecordReleasesAsync(tip, [new ControlPlaneRelease("cluster-a", "cluster-a-cp-1", "sha256:one", At)], CancellationToken.None);

        Assert.Empty(read);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.StartsWith("rollout/clusters/cluster-a.yaml: ", StringComparison.Ordinal) && w.Contains("left out until the cluster's next control-plane release", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("rollout/clusters/cluster-b.yaml: names cluster cluster-c, whose release belongs in rollout/clusters/cluster-c.yaml", StringComparison.Ordinal));
        Assert.True(replaced.Recorded);
        Assert.Equal("cluster-a-cp-1", (await store.ReadReleasesAsync(replaced.Tip, warnings, CancellationToken.None))["cluster-a"].Vm);
        Assert.Equal("rollouts are paused on Fridays\n", Show(replaced.Tip!, "rollout/NOTES.md")); // rollout/clusters/ is the reconciler's, not the rest
    }

    public void Dispose()
    {
        Directory.Delete(_clone, recursive: true);
        Directory.Delete(_root, recursive: true);
    }

    private static GitStatusStore Store(GitMirror mirror) =>
        new(mirror, Branch, new GitSignature("LiquidMetal", "reconciler@liquidmetal.dev", DateTimeOffset.UnixEpoch), TimeProvider.System);

    private static StatusCommit Status(string fleet = "fleet") => new(
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("status/fleet.yaml", Encoding.UTF8.GetBytes(fleet + "\n"))]),
        "status\n",
        Converged: true);

    private void Edit(Action<string> edit, string message) => StatusBranchClone.Commit(_clone, Branch, edit, message);

    private string Show(string commit, string path) => StatusBranchClone.Show(_clone, commit, path);
}
