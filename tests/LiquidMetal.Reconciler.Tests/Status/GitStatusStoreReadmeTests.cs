using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Git;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Status.Pages;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>The status README on a real status branch that people write to: theirs is never overwritten.</summary>
public sealed class GitStatusStoreReadmeTests : IClassFixture<GitDaemonFixture>, IDisposable
{
    private const string Branch = "liquidmetal/status";
    private readonly string _url;
    private readonly string _clone;
    private readonly string _mirrorPath = Path.Combine(Directory.CreateTempSubdirectory("lm-readme-").FullName, "fleet.git");

    public GitStatusStoreReadmeTests(GitDaemonFixture server)
    {
        (_url, _clone) = StatusBranchClone.Start(server, "readme");
    }

    [Fact]
    public async Task WriteAsync_APersonsReadmeOnTheBranch_KeptWithAWarningAndTheStatusReadmeBackOnceItIsGone()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var store = new GitStatusStore(mirror, Branch, new GitSignature("LiquidMetal", "reconciler@liquidmetal.dev", DateTimeOffset.UnixEpoch), TimeProvider.System);
        var warnings = new List<string>();
        var ours = StatusReadme.Write("lab", null, [], [], map: false);

        var first = await store.WriteAsync(_ => Status(ours, "one"), null, warnings, CancellationToken.None);
        Edit(clone => File.WriteAllText(Path.Combine(clone, "README.md"), "# Our lab\n\nThe status branch of the lab.\n"), "our own README");
        var second = await store.WriteAsync(_ => Status(ours, "two"), await TipAsync(mirror), warnings, CancellationToken.None);
        var theirs = Show(second.Commit!, "README.md");
        Edit(clone => GitTool.Run(clone, "rm", "--quiet", "README.md"), "no README after all");
        var third = await store.WriteAsync(_ => Status(ours, "two"), await TipAsync(mirror), new List<string>(), CancellationToken.None);

        Assert.Equal(ours, Show(first.Commit!, "README.md"));
        Assert.Equal("# Our lab\n\nThe status branch of the lab.\n", theirs);
        Assert.Equal("two\n", Show(second.Commit!, "status/fleet.yaml"));
        Assert.Contains(warnings, w => w.StartsWith("README.md on liquidmetal/status was written by a person, so the reconciler leaves it", StringComparison.Ordinal));
        Assert.Equal(ours, Show(third.Commit!, "README.md"));
    }

    public void Dispose()
    {
        Directory.Delete(_clone, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_mirrorPath)!, recursive: true);
    }

    private static Task<StatusCommit> Status(string readme, string fleet) => Task.FromResult(new StatusCommit(
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create(StatusReadme.Path, Encoding.UTF8.GetBytes(readme)), KeyValuePair.Create("status/fleet.yaml", Encoding.UTF8.GetBytes(fleet + "\n"))]),
        "status\n",
        Converged: true));

    private static async Task<string?> TipAsync(GitMirror mirror) => (await mirror.SyncAsync([Branch])).RemoteHeads.GetValueOrDefault(Branch);

    private void Edit(Action<string> edit, string message) => StatusBranchClone.Commit(_clone, Branch, edit, message);

    private string Show(string commit, string path) => StatusBranchClone.Show(_clone, commit, path);
}
