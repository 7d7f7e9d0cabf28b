using System.Diagnostics;
using System.Text;

namespace LiquidMetal.Git.Tests;

public sealed class GitMirrorTests : IClassFixture<GitDaemonFixture>, IDisposable
{
    private readonly GitDaemonFixture _server;
    private readonly string _url;
    private readonly string _clone;
    private readonly string _mirrorPath = Path.Combine(Directory.CreateTempSubdirectory("lm-mirror-").FullName, "fleet.git");

    public GitMirrorTests(GitDaemonFixture server)
    {
        _server = server;
        _url = server.CreateRepository("fleet-" + Guid.NewGuid().ToString("N")[..8]);
        _clone = Git.Clone(_url);
        Git.CommitFile(_clone, "fleet.yaml", "kind: Fleet\n", "first");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
    }

    [Fact]
    public async Task SyncAsync_NothingNew_DoesNotFetch()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var first = await mirror.SyncAsync(["main"]);
        var second = await mirror.SyncAsync(["main"]);

        Assert.True(first.Fetched);
        Assert.False(second.Fetched);
        Assert.Equal(Git.Run(_clone, "rev-parse", "HEAD"), second.RemoteHeads["main"]);
    }

    [Fact]
    public async Task SyncAsync_NewPush_FetchesItsFiles()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);
        var head = Git.CommitFile(_clone, "hosts/sled-1.yaml", "kind: Host\n", "add a host");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");

        var sync = await mirror.SyncAsync(["main"]);
        var entries = await mirror.ListTreeAsync(head);
        var host = entries.Single(e => e.Path == "hosts/sled-1.yaml");
        var blob = (await mirror.ReadBlobsAsync([host.Id]))[0];

        Assert.True(sync.Fetched);
        Assert.Equal(head, await mirror.GetLocalHeadAsync("main"));
        Assert.Equal(["fleet.yaml", "hosts/sled-1.yaml"], entries.Select(e => e.Path));
        Assert.Equal(11, host.Size);
        Assert.Equal("kind: Host\n", Encoding.UTF8.GetString(blob!));
    }

    [Fact]
    public async Task ReadBlobsAsync_BlobsTreesAndUnknownIds_ContentsInOrderAndNullForTheRest()
    {
        var head = Git.CommitFile(_clone, "hosts/sled-1.yaml", "one\n", "a host");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);
        var blob = Git.Run(_clone, "rev-parse", "HEAD:hosts/sled-1.yaml");
        var tree = Git.Run(_clone, "rev-parse", "HEAD:hosts");

        var contents = await mirror.ReadBlobsAsync([blob, tree, new string('0', 40), "not an id", Git.Run(_clone, "rev-parse", "HEAD:fleet.yaml")]);

        Assert.Equal("one\n", Encoding.UTF8.GetString(contents[0]!));
        Assert.Null(contents[1]);
        Assert.Null(contents[2]);
        Assert.Null(contents[3]);
        Assert.Equal("kind: Fleet\n", Encoding.UTF8.GetString(contents[4]!));
        Assert.Equal(head, await mirror.GetLocalHeadAsync("main"));
    }

    [Fact]
    public async Task ReadFilesAsync_NestedFolder_OnlyItsBlobsInGitOrder()
    {
        // "a-b" sorts before "a/" in git's order (a folder compares as if its name ended in '/'), and before "a0".
        Git.CommitFile(_clone, "status/a-b.yaml", "dash\n", "1");
        Git.CommitFile(_clone, "status/a/x.yaml", "nested\n", "2");
        Git.CommitFile(_clone, "status/a0.yaml", "zero\n", "3");
        var head = Git.CommitFile(_clone, "rendered/hosts/sled-1.yaml", "elsewhere\n", "4");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        var files = await mirror.ReadFilesAsync(head, "status");
        var none = await mirror.ReadFilesAsync(head, "no/such/folder");

        Assert.Equal(Git.Run(_clone, "ls-tree", "-r", "--name-only", "HEAD", "--", "status/").Split('\n'), files.Select(f => f.Entry.Path));
        Assert.Equal(["dash\n", "nested\n", "zero\n"], files.Select(f => Encoding.UTF8.GetString(f.Content)));
        Assert.Empty(none);
    }

    [Fact]
    public async Task ListTreeAsync_SymlinkSubmoduleAndBlob_SameModesTypesAndSizesAsGitLsTree()
    {
        File.CreateSymbolicLink(Path.Combine(_clone, "link.yaml"), "fleet.yaml");
        Git.Run(_clone, "add", "link.yaml");
        Git.Run(_clone, "update-index", "--add", "--cacheinfo", "160000," + Git.Run(_clone, "rev-parse", "HEAD") + ",vendor/sub");
        var head = Git.CommitFile(_clone, "hosts/sled-1.yaml", "kind: Host\n", "links");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        var entries = await mirror.ListTreeAsync(head);

        // ls-tree -r -l: "<mode> <type> <id> <size or ->\t<path>"
        var expected = Git.Run(_clone, "ls-tree", "-r", "-l", head).Split('\n').Select(line =>
        {
            var fields = line.Split('\t')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return $"{fields[0]} {fields[1]} {fields[2]} {(fields[3] == "-" ? "0" : fields[3])} {line.Split('\t')[1]}";
        });
        Assert.Equal(expected, entries.Select(e => $"{e.Mode} {e.Type} {e.Id} {e.Size} {e.Path}"));
        Assert.True(entries.Single(e => e.Path == "link.yaml").IsSymlink);
        Assert.True(entries.Single(e => e.Path == "vendor/sub").IsSubmodule);
    }

    [Fact]
    public async Task ReadFileAsync_FileFolderMissingFileAndMissingCommit_ContentOnlyForTheFile()
    {
        var head = Git.CommitFile(_clone, "hosts/sled-1.yaml", "kind: Host\n", "a host");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        Assert.Equal("kind: Host\n", Encoding.UTF8.GetString((await mirror.ReadFileAsync(head, "hosts/sled-1.yaml"))!));
        Assert.Null(await mirror.ReadFileAsync(head, "hosts"));
        Assert.Null(await mirror.ReadFileAsync(head, "hosts/sled-9.yaml"));
        Assert.Null(await mirror.ReadFileAsync(new string('1', 40), "fleet.yaml"));
    }

    [Fact]
    public async Task HasCommitAsync_CommitBlobAndUnknownId_TrueOnlyForTheCommit()
    {
        var head = Git.CommitFile(_clone, "hosts/sled-1.yaml", "kind: Host\n", "a host");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        Assert.True(await mirror.HasCommitAsync(head));
        Assert.False(await mirror.HasCommitAsync(Git.Run(_clone, "rev-parse", "HEAD:hosts/sled-1.yaml")));
        Assert.False(await mirror.HasCommitAsync(new string('1', 40)));
    }

    [Fact]
    public async Task ReadFilesAsync_ManyConcurrentReaders_EachSeesEveryFile()
    {
        for (var i = 0; i < 100; i++)
        {
            File.WriteAllText(Path.Combine(_clone, $"f{i:000}.yaml"), $"file {i}\n");
        }

        Git.Run(_clone, "add", ".");
        var head = Git.CommitFile(_clone, "last.yaml", "last\n", "many files");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => mirror.ReadFilesAsync(head, "/"))));

        Assert.All(reads, files => Assert.Equal(102, files.Count));
        Assert.All(reads, files => Assert.Equal("file 42\n", Encoding.UTF8.GetString(files.Single(f => f.Entry.Path == "f042.yaml").Content)));
    }

    [Fact]
    public async Task ListTreeAsync_UnknownRevision_ThrowsGitExceptionNamingIt()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);

        var error = await Assert.ThrowsAsync<GitException>(() => mirror.ListTreeAsync("no-such-branch"));

        Assert.Contains("'no-such-branch'", error.Message);
    }

    [Fact]
    public async Task OpenAsync_Sha256Mirror_FailsWithAGitExceptionNotACrash()
    {
        // This libgit2 build reads SHA-1 repositories only; a mirror someone made SHA-256 must say so plainly.
        Directory.CreateDirectory(_mirrorPath);
        Git.Run(_mirrorPath, "init", "--quiet", "--bare", "--object-format=sha256");

        var error = await Assert.ThrowsAsync<GitException>(() => GitMirror.OpenAsync(_mirrorPath, _url));

        Assert.Contains("cannot open the mirror", error.Message);
    }

    [Fact]
    public async Task OpenAsync_RemoteUrlChanged_FollowsTheNewUrl()
    {
        await (await GitMirror.OpenAsync(_mirrorPath, "git://127.0.0.1:1/elsewhere.git")).DisposeAsync();

        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var sync = await mirror.SyncAsync(["main"]);

        Assert.Equal(_url, Git.Run(_mirrorPath, "config", "remote.origin.url"));
        Assert.Equal("+refs/heads/*:refs/remotes/origin/*", Git.Run(_mirrorPath, "config", "remote.origin.fetch"));
        Assert.True(sync.Fetched);
    }

    [Fact]
    public async Task GetRemoteHeadsAsync_RemoteAcceptsButNeverAnswers_FailsAfterTheTimeoutInsteadOfHanging()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var held = new List<System.Net.Sockets.TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync()); // accept, then say nothing
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // The test is over.
            }
        });
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, $"git://127.0.0.1:{port}/fleet.git");
        mirror.QueryTimeout = TimeSpan.FromSeconds(2);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<GitException>(() => mirror.GetRemoteHeadsAsync(["main"]));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Contains("no answer from git://127.0.0.1", error.Message);
        silent.Stop();
        await accepting;
        held.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task SyncAsync_ForcePushRewritesMain_MirrorFollowsTheRewrite()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var before = (await mirror.SyncAsync(["main"])).RemoteHeads["main"];
        Git.Run(_clone, "commit", "--quiet", "--amend", "-m", "rewritten");
        Git.Run(_clone, "push", "--quiet", "--force", "origin", "HEAD:main");

        var after = (await mirror.SyncAsync(["main"])).RemoteHeads["main"];

        Assert.NotEqual(before, after);
        Assert.Equal(after, await mirror.GetLocalHeadAsync("main"));
        Assert.Throws<InvalidOperationException>(() => Git.Run(mirror.Path, "merge-base", "--is-ancestor", before, after)); // exit 1: not an ancestor
    }

    [Fact]
    public async Task SyncAsync_BranchDeleted_HeadIsAbsentLocallyAndRemotely()
    {
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:refs/heads/feature");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main", "feature"]);
        Git.Run(_clone, "push", "--quiet", "origin", "--delete", "feature");

        var sync = await mirror.SyncAsync(["main", "feature"]);

        Assert.False(sync.RemoteHeads.ContainsKey("feature"));
        Assert.Null(await mirror.GetLocalHeadAsync("feature"));
        Assert.NotNull(await mirror.GetLocalHeadAsync("main"));
    }

    [Fact]
    public async Task SyncAsync_UnreachableRemote_ThrowsWithoutCredentialsInMessage()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, "https://person:s3cret-token@127.0.0.1:1/fleet.git");

        var error = await Assert.ThrowsAsync<GitException>(() => mirror.SyncAsync(["main"]));

        Assert.Contains("ls-remote", error.Message);
        Assert.DoesNotContain("s3cret-token", error.Message);
    }

    public void Dispose()
    {
        Directory.Delete(_clone, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_mirrorPath)!, recursive: true);
    }
}
