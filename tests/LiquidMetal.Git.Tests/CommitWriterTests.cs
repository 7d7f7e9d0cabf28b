using System.Collections.Immutable;
using System.Text;

namespace LiquidMetal.Git.Tests;

public sealed class CommitWriterTests : IClassFixture<GitDaemonFixture>, IDisposable
{
    private const string Branch = "liquidmetal/status";
    private static readonly GitSignature Reconciler = new("LiquidMetal", "reconciler@liquidmetal.dev", new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly string _url;
    private readonly string _clone;
    private readonly string _mirrorPath = Path.Combine(Directory.CreateTempSubdirectory("lm-mirror-").FullName, "fleet.git");

    public CommitWriterTests(GitDaemonFixture server)
    {
        _url = server.CreateRepository("status-" + Guid.NewGuid().ToString("N")[..8]);
        _clone = Git.Clone(_url);
        Git.CommitFile(_clone, "fleet.yaml", "kind: Fleet\n", "first");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
    }

    [Fact]
    public async Task CreateCommitAsync_NewBranch_WritesNestedFilesWithMessageAndAuthor()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);

        var commit = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "a"), ("status/hosts/sled-1.yaml", "b"), ("rendered/hosts/sled-1.yaml", "c")));
        var pushed = await writer.PushAsync(commit!, Branch, expected: null);

        Assert.True(pushed.Accepted);
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Assert.Equal("b", Git.Run(_clone, "show", $"origin/{Branch}:status/hosts/sled-1.yaml"));
        Assert.Equal("LiquidMetal <reconciler@liquidmetal.dev> 1795521600 +0000", Git.Run(_clone, "log", "-1", "--format=%an <%ae> %ad", "--date=raw", $"origin/{Branch}"));
        Assert.Equal("status: test\n\nFleet-Revision: abc", Git.Run(_clone, "log", "-1", "--format=%B", $"origin/{Branch}"));
    }

    [Fact]
    public async Task CreateCommitAsync_SameContent_ReturnsNullSoNoEmptyCommit()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "a")));

        var second = await writer.CreateCommitAsync(Request(first, ("status/fleet.yaml", "a")));

        Assert.NotNull(first);
        Assert.Null(second);
    }

    [Fact]
    public async Task CreateCommitAsync_SameArraysAgainInANewMirror_StoredThereTooNotTakenFromTheOldOne()
    {
        // The same byte arrays handed to a second mirror: the blob ids known from the first must not be trusted there.
        var rendered = Encoding.UTF8.GetBytes("kind: RenderedHost\n");
        var files = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("rendered/hosts/a.yaml", rendered)]);
        await using (var mirror = await GitMirror.OpenAsync(_mirrorPath, _url))
        {
            Assert.NotNull(await new CommitWriter(mirror).CreateCommitAsync(Request(null) with { Files = files }));
        }

        var otherPath = Path.Combine(Path.GetDirectoryName(_mirrorPath)!, "other.git");
        await using var other = await GitMirror.OpenAsync(otherPath, _url);
        var writer = new CommitWriter(other);
        var first = await writer.CreateCommitAsync(Request(null) with { Files = files });
        var second = await writer.CreateCommitAsync(Request(first) with { Files = files.SetItem("status/fleet.yaml", Encoding.UTF8.GetBytes("b")) });

        Assert.True((await writer.PushAsync(second!, Branch, expected: null)).Accepted);
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Assert.Equal("kind: RenderedHost", Git.Run(_clone, "show", $"origin/{Branch}:rendered/hosts/a.yaml"));
        Assert.Equal("b", Git.Run(_clone, "show", $"origin/{Branch}:status/fleet.yaml"));
        Git.Run(_clone, "fsck", "--strict", "--no-dangling");
    }

    [Fact]
    public async Task PushAsync_HumanCommittedMeanwhile_IsRejectedThenRedoneOnNewTipKeepingTheHumanFile()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "one"), ("status/hosts/old.yaml", "gone soon")));
        Assert.True((await writer.PushAsync(first!, Branch, expected: null)).Accepted);

        // A person adds a README to the status branch while the reconciler prepares its next commit.
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Git.Run(_clone, "checkout", "--quiet", "-b", "status-edit", $"origin/{Branch}");
        Git.CommitFile(_clone, "README.md", "written by a human\n", "explain the status branch");
        Git.Run(_clone, "push", "--quiet", "origin", $"HEAD:{Branch}");
        var stale = await writer.CreateCommitAsync(Request(first, ("status/fleet.yaml", "two")));

        var rejected = await writer.PushAsync(stale!, Branch, expected: first);
        await mirror.SyncAsync([Branch]);
        var tip = await mirror.GetLocalHeadAsync(Branch);
        var redone = await writer.CreateCommitAsync(Request(tip, ("status/fleet.yaml", "two")));
        var accepted = await writer.PushAsync(redone!, Branch, expected: tip);

        Assert.False(rejected.Accepted);
        Assert.Contains("rejected", rejected.RejectionReason);
        Assert.True(accepted.Accepted);
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Assert.Equal("README.md\nstatus/fleet.yaml", Git.Run(_clone, "ls-tree", "-r", "--name-only", $"origin/{Branch}"));
        Assert.Equal("two", Git.Run(_clone, "show", $"origin/{Branch}:status/fleet.yaml"));
        Assert.Equal(redone, await mirror.GetLocalHeadAsync(Branch));
    }

    [Fact]
    public async Task PushAsync_BranchRewoundMeanwhile_IsRejectedThoughItWouldFastForward()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "one")));
        Assert.True((await writer.PushAsync(first!, Branch, expected: null)).Accepted);
        var second = await writer.CreateCommitAsync(Request(first, ("status/fleet.yaml", "two")));
        Assert.True((await writer.PushAsync(second!, Branch, expected: first)).Accepted);

        // Someone rewinds the branch to the first commit; the writer still builds on the second.
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Git.Run(_clone, "push", "--quiet", "--force", "origin", $"{first}:refs/heads/{Branch}");
        var third = await writer.CreateCommitAsync(Request(second, ("status/fleet.yaml", "three")));

        var outcome = await writer.PushAsync(third!, Branch, expected: second);

        Assert.False(outcome.Accepted); // a plain push would have fast-forwarded from the first commit and undone the rewind
        Git.Run(_clone, "fetch", "--quiet", "origin");
        Assert.Equal(first, Git.Run(_clone, "rev-parse", $"origin/{Branch}"));
        Assert.False((await writer.PushAsync(third!, "brand-new", expected: first)).Accepted); // expected a branch that is not there
    }

    [Fact]
    public async Task CreateCommitAsync_SameFilesAsGitCommits_GivesTheSameCommitIdAndAPackGitAccepts()
    {
        // Names that sort differently as folders and as files: "hosts-x.yaml" < "hosts/" < "hosts0.yaml" in git's order.
        (string Path, string Content)[] files =
        [
            ("status/fleet.yaml", "fleet\n"),
            ("status/hosts-x.yaml", "dash\n"),
            ("status/hosts/sled-1.yaml", "one\n"),
            ("status/hosts/sled-2.yaml", "two\n"),
            ("status/hosts0.yaml", "zero\n"),
            ("rendered/hosts/sled-1.yaml", "üñí\n"),

            // UTF-16 puts U+FF21 after the surrogate pair of U+1F600; UTF-8, as git sorts, puts it before.
            ("notes/\U0001F600.md", "smile\n"),
            ("notes/\uFF21.md", "wide A\n"),
        ];
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var ours = await new CommitWriter(mirror).CreateCommitAsync(Request(null, files) with { OwnedPrefixes = ["status/", "rendered/", "notes/"] });

        // The same content committed by git itself, with the same author, time and message.
        var work = Directory.CreateTempSubdirectory("lm-same-").FullName;
        try
        {
            Git.Run(work, "init", "--quiet");
            foreach (var (path, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(work, path))!);
                File.WriteAllText(Path.Combine(work, path), content, new UTF8Encoding(false));
            }

            Git.Run(work, "add", ".");
            var tree = Git.Run(work, "write-tree");
            var identity = new Dictionary<string, string>
            {
                ["GIT_AUTHOR_NAME"] = "LiquidMetal",
                ["GIT_AUTHOR_EMAIL"] = "reconciler@liquidmetal.dev",
                ["GIT_AUTHOR_DATE"] = "1795521600 +0000",
                ["GIT_COMMITTER_NAME"] = "LiquidMetal",
                ["GIT_COMMITTER_EMAIL"] = "reconciler@liquidmetal.dev",
                ["GIT_COMMITTER_DATE"] = "1795521600 +0000",
            };
            var theirs = RunWithInput(work, identity, "status: test\n\nFleet-Revision: abc\n", "commit-tree", tree);
            Assert.Equal(theirs, ours);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        // One pack, whole objects only (libgit2 is told to search no deltas; see PackFolder), nothing loose, no staging left.
        Git.Run(mirror.Path, "fsck", "--strict", "--no-dangling");
        var pack = Assert.Single(Packs(mirror));
        Assert.DoesNotContain(Git.Run(mirror.Path, "verify-pack", "-v", Path.ChangeExtension(pack, ".idx")).Split('\n'), IsDelta);
        Assert.Contains("count: 0", Git.Run(mirror.Path, "count-objects", "-v"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(mirror.Path, "objects"), "liquidmetal-*"));
    }

    [Fact]
    public async Task CreateCommitAsync_NothingChanged_StoresNothing()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "a"), ("rendered/hosts/sled-1.yaml", "b")));
        var packs = Packs(mirror);

        var again = await writer.CreateCommitAsync(Request(first, ("rendered/hosts/sled-1.yaml", "b"), ("status/fleet.yaml", "a")) with { Message = "another message" });

        Assert.Null(again);
        Assert.Equal(packs, Packs(mirror));
    }

    [Fact]
    public async Task CreateCommitAsync_OwnedFileLeftOut_IsRemovedAndOtherFoldersKept()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("status/fleet.yaml", "a"), ("status/hosts/old.yaml", "gone soon"), ("rendered/hosts/old.yaml", "gone too")));
        var human = HumanCommitOn(mirror, first!, "notes/keep.md", "kept\n");

        var second = await writer.CreateCommitAsync(Request(human, ("status/fleet.yaml", "b")));

        Assert.Equal("notes/keep.md\nstatus/fleet.yaml", Git.Run(mirror.Path, "ls-tree", "-r", "--name-only", second!));
        Assert.Equal(human, Git.Run(mirror.Path, "rev-parse", second + "^"));
    }

    [Fact]
    public async Task CreateCommitAsync_OwnedRootFile_WrittenReplacedAndRemovedWhileAPersonsRootFileStays()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var first = await writer.CreateCommitAsync(Request(null, ("README.md", "one"), ("status/fleet.yaml", "a")) with { OwnedFiles = ["README.md"] });
        var human = HumanCommitOn(mirror, first!, "NOTES.md", "kept\n");

        var second = await writer.CreateCommitAsync(Request(human, ("README.md", "two"), ("status/fleet.yaml", "a")) with { OwnedFiles = ["README.md"] });
        var third = await writer.CreateCommitAsync(Request(second, ("status/fleet.yaml", "a")) with { OwnedFiles = ["README.md"] });

        Assert.Equal("one", Git.Run(mirror.Path, "show", first + ":README.md"));
        Assert.Equal("two", Git.Run(mirror.Path, "show", second + ":README.md"));
        Assert.Equal("NOTES.md\nREADME.md\nstatus/fleet.yaml", Git.Run(mirror.Path, "ls-tree", "-r", "--name-only", second!));
        Assert.Equal("NOTES.md\nstatus/fleet.yaml", Git.Run(mirror.Path, "ls-tree", "-r", "--name-only", third!));
    }

    [Fact]
    public async Task CreateCommitAsync_FileOutsideTheOwnedPrefixes_IsRefused()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new CommitWriter(mirror).CreateCommitAsync(Request(null, ("README.md", "mine"))));

        Assert.Contains("outside the owned prefixes (status/, rendered/) and files ()", error.Message);
    }

    [Fact]
    public async Task CreateCommitAsync_UnknownParent_ThrowsGitException()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);

        var error = await Assert.ThrowsAsync<GitException>(() => new CommitWriter(mirror).CreateCommitAsync(Request(new string('1', 40), ("status/fleet.yaml", "a"))));

        Assert.Contains("is not a commit in the mirror", error.Message);
    }

    [Fact]
    public async Task CompactAsync_ManyStatusCommits_FoldsTheSmallPacksKeepsTheLargeOneAndEveryCommitReadable()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var many = Enumerable.Range(0, 600).Select(i => ($"rendered/hosts/sled-{i}.yaml", $"host {i}\n")).ToArray();
        var tip = await writer.CreateCommitAsync(Request(null, [("status/fleet.yaml", "pass 0\n"), .. many]));
        var large = Assert.Single(Packs(mirror));
        var commits = new List<string> { tip! };
        for (var i = 1; i < 40; i++)
        {
            tip = await writer.CreateCommitAsync(Request(tip, [("status/fleet.yaml", $"pass {i}\n"), ("status/hosts/sled-1.yaml", $"state {i % 3}\n"), .. many]));
            commits.Add(tip!);
        }

        Assert.Equal(40, Packs(mirror).Count);
        Assert.False(await mirror.CompactAsync(packLimit: 40));

        Assert.True(await mirror.CompactAsync(packLimit: 32));

        // 39 packs of a few objects each are one now; the first commit's 600-odd objects are more than twice all of them, so stay as they were.
        Assert.Equal(2, Packs(mirror).Count);
        Assert.Contains(large, Packs(mirror));
        AssertWhole(mirror, tip!);
        Assert.Equal("pass 7", Encoding.UTF8.GetString((await mirror.ReadFileAsync(commits[7], "status/fleet.yaml"))!).Trim());
        Assert.False(await mirror.CompactAsync(packLimit: 32));
    }

    [Fact]
    public async Task CreateCommitAsync_OnTheCommitItWroteLast_GivesTheCommitAMirrorWithNothingRememberedGives()
    {
        // The second commit builds on the first, which this mirror wrote: its unchanged blobs are taken as the parent's.
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var kept = Encoding.UTF8.GetBytes("kind: RenderedHost\n");
        var first = Request(null, ("status/fleet.yaml", "pass 1\n"), ("status/hosts/a.yaml", "a 1\n"), ("status/hosts/b.yaml", "b\n"));
        first = first with { Files = first.Files.Add("rendered/hosts/a.yaml", kept) };
        var parent = await writer.CreateCommitAsync(first);
        // One file changed, one added, one removed, two handed in again as the same arrays.
        var second = first with { Parent = parent, Files = first.Files.SetItem("status/hosts/a.yaml", Encoding.UTF8.GetBytes("a 2\n")).Add("status/clusters/c.yaml", Encoding.UTF8.GetBytes("c\n")).Remove("status/hosts/b.yaml") };

        var commit = await writer.CreateCommitAsync(second);

        await using var fresh = await GitMirror.OpenAsync(_mirrorPath, _url); // the same folder, nothing remembered
        Assert.Equal(commit, await new CommitWriter(fresh).CreateCommitAsync(second));
        Assert.Equal("a/status/clusters/c.yaml\nm/status/hosts/a.yaml\nd/status/hosts/b.yaml", string.Join('\n', Git.Run(mirror.Path, "diff-tree", "--name-status", "-r", "--no-commit-id", parent!, commit!).Split('\n').Select(l => l.Replace("\t", "/", StringComparison.Ordinal).ToLowerInvariant())));
        AssertWhole(mirror, commit!);
    }

    [Fact]
    public async Task CompactInBackground_ManyPacks_FoldsThemWhileCommitsGoOnAndDisposeWaitsForIt()
    {
        var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        string? tip = null;
        for (var i = 0; i < 34; i++)
        {
            tip = await writer.CreateCommitAsync(Request(tip, ("status/fleet.yaml", $"pass {i}\n")));
        }

        var fold = mirror.CompactInBackground(packLimit: 32);
        tip = await writer.CreateCommitAsync(Request(tip, ("status/fleet.yaml", "pass 34\n"))); // waits for the fold's gate if it must, never fails
        await mirror.DisposeAsync();

        Assert.True(fold.IsCompleted);
        Assert.True(await fold);
        Assert.InRange(Packs(mirror).Count, 1, 2); // the 34 folded into one, and the commit written beside the fold
        AssertWhole(mirror, tip!);
    }

    [Fact]
    public async Task CreateCommitAsync_AfterAFold_BuildsOnTheFoldedPackAndNoDeletedPackStaysOpen()
    {
        // The writer's handles stay open between commits and map the packs they read; a fold deletes those packs.
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        string? tip = null;
        for (var i = 0; i < 3; i++)
        {
            tip = await writer.CreateCommitAsync(Request(tip, ("status/fleet.yaml", $"pass {i}\n"), ("status/hosts/sled-1.yaml", "sled-1\n")));
        }

        var packFolder = Path.Combine(mirror.Path, "objects", "pack");
        Assert.Contains(File.ReadLines("/proc/self/maps"), line => line.Contains(packFolder, StringComparison.Ordinal)); // they do map them
        Assert.True(await mirror.CompactAsync(packLimit: 1));
        var folded = Packs(mirror);
        tip = await writer.CreateCommitAsync(Request(tip, ("status/fleet.yaml", "after the fold\n"), ("status/hosts/sled-1.yaml", "sled-1\n")));

        Assert.Single(folded);
        Assert.DoesNotContain(File.ReadLines("/proc/self/maps"), line => line.Contains(mirror.Path, StringComparison.Ordinal) && line.EndsWith("(deleted)", StringComparison.Ordinal));
        AssertWhole(mirror, tip!);
        Assert.Equal("sled-1", Git.Run(mirror.Path, "show", tip + ":status/hosts/sled-1.yaml"));
    }

    [Fact]
    public async Task CreateCommitAsync_PacksDeletedByAnotherGit_StoresAgainABlobItStoredBefore()
    {
        // git itself (the gc --auto a fetch runs) may delete packs the writer's open handles still map, with objects
        // that are gone from the mirror; the writer knows one of those blobs by its array and must not take it as stored.
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var writer = new CommitWriter(mirror);
        var sled = Encoding.UTF8.GetBytes("sled-1\n");
        string? tip = null;
        for (var i = 0; i < 2; i++)
        {
            tip = await writer.CreateCommitAsync(WithFile(Request(tip, ("status/fleet.yaml", $"pass {i}\n")), "status/hosts/sled-1.yaml", sled));
        }

        // Nothing names those commits (never pushed): a repack of what refs reach, then a prune, removes them and their blobs.
        Git.Run(mirror.Path, "repack", "-a", "-d", "-q");
        Git.Run(mirror.Path, "prune", "--expire=now");
        Assert.Throws<InvalidOperationException>(() => Git.Run(mirror.Path, "cat-file", "-e", tip!));
        var next = await writer.CreateCommitAsync(WithFile(Request(null, ("status/fleet.yaml", "after a gc\n")), "status/hosts/sled-1.yaml", sled));

        AssertWhole(mirror, next!);
        Assert.Equal("sled-1", Git.Run(mirror.Path, "show", next + ":status/hosts/sled-1.yaml"));
    }

    [Fact]
    public async Task CreateCommitAsync_AuthorWithAngleBracket_IsRefusedBeforeAnythingIsWritten()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var request = Request(null, ("status/fleet.yaml", "a")) with { Author = Reconciler with { Name = "Eve <eve@example.com>" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new CommitWriter(mirror).CreateCommitAsync(request));

        Assert.Contains("cannot contain '<'", error.Message);
        Assert.Empty(Packs(mirror));
    }

    private static string RunWithInput(string directory, IReadOnlyDictionary<string, string> environment, string input, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    private static List<string> Packs(GitMirror mirror)
    {
        var folder = Path.Combine(mirror.Path, "objects", "pack");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "pack-*.pack").Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>A line of verify-pack -v for an object stored as a delta: "id type size size-in-pack offset depth base".</summary>
    private static bool IsDelta(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: 7 } fields && fields[0].All(char.IsAsciiHexDigit);

    /// <summary>A person's commit on top of <paramref name="parent"/> adding one file, made with git in the mirror itself.</summary>
    private static string HumanCommitOn(GitMirror mirror, string parent, string path, string content)
    {
        var index = Path.Combine(Path.GetDirectoryName(mirror.Path)!, "human-index");
        var environment = new Dictionary<string, string> { ["GIT_INDEX_FILE"] = index };
        Git.RunWith(mirror.Path, environment, "read-tree", parent);
        var blob = RunWithInput(mirror.Path, new Dictionary<string, string>(), content, "hash-object", "-w", "--stdin");
        Git.RunWith(mirror.Path, environment, "update-index", "--add", "--cacheinfo", $"100644,{blob},{path}");
        var tree = Git.RunWith(mirror.Path, environment, "write-tree");
        File.Delete(index);
        return Git.Run(mirror.Path, "commit-tree", tree, "-p", parent, "-m", "a person's note");
    }

    /// <summary>The commit and everything it names are in the mirror, and well formed.</summary>
    private static void AssertWhole(GitMirror mirror, string commit)
    {
        Git.Run(mirror.Path, "update-ref", "refs/heads/check", commit);
        Git.Run(mirror.Path, "fsck", "--strict", "--no-dangling");
    }

    private static CommitRequest WithFile(CommitRequest request, string path, byte[] content) => request with { Files = request.Files.Add(path, content) };

    private static CommitRequest Request(string? parent, params (string Path, string Content)[] files) => new()
    {
        Parent = parent,
        OwnedPrefixes = ["status/", "rendered/"],
        Files = files.ToImmutableSortedDictionary(f => f.Path, f => Encoding.UTF8.GetBytes(f.Content), StringComparer.Ordinal),
        Message = "status: test\n\nFleet-Revision: abc\n",
        Author = Reconciler,
    };

    public void Dispose()
    {
        Directory.Delete(_clone, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_mirrorPath)!, recursive: true);
    }
}
