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
        var blob = await mirror.ReadObjectAsync(host.Id);

        Assert.True(sync.Fetched);
        Assert.Equal(head, await mirror.GetLocalHeadAsync("main"));
        Assert.Equal(["fleet.yaml", "hosts/sled-1.yaml"], entries.Select(e => e.Path));
        Assert.Equal(11, host.Size);
        Assert.Equal("kind: Host\n", Encoding.UTF8.GetString(blob!.Content));
    }

    [Fact]
    public async Task ReadObjectAsync_ManyObjects_ReusesOneProcessAndAnswersMissing()
    {
        for (var i = 0; i < 50; i++)
        {
            File.WriteAllText(Path.Combine(_clone, $"f{i}.txt"), $"file {i}\n");
        }

        Git.Run(_clone, "add", ".");
        var head = Git.CommitFile(_clone, "last.txt", "last\n", "many files");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);
        var entries = await mirror.ListTreeAsync(head);

        var clock = Stopwatch.StartNew();
        foreach (var entry in entries)
        {
            Assert.NotNull(await mirror.ReadObjectAsync(entry.Id));
        }

        Assert.Equal(52, entries.Length);
        Assert.True(clock.ElapsedMilliseconds < 2000, $"reading {entries.Length} blobs took {clock.ElapsedMilliseconds} ms");
        Assert.Null(await mirror.ReadObjectAsync(new string('0', 40)));
        Assert.Equal("file 7\n", Encoding.UTF8.GetString((await mirror.ReadObjectAsync(head + ":f7.txt"))!.Content));
    }

    [Fact]
    public async Task ReadObjectsAsync_ThousandsOfNamesAndMegabytesOfAnswers_AllInOrderWithoutDeadlock()
    {
        // 64 KiB files: the answers overflow the pipe long before git has read every name, which deadlocks a reader
        // that writes all names first. 3,000 names (one real file, then missing ones) also overflow the name pipe.
        for (var i = 0; i < 40; i++)
        {
            File.WriteAllText(Path.Combine(_clone, $"big{i}.txt"), new string((char)('a' + (i % 26)), 64 * 1024));
        }

        Git.Run(_clone, "add", ".");
        var head = Git.CommitFile(_clone, "last.txt", "last\n", "big files");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);
        var entries = (await mirror.ListTreeAsync(head)).Where(e => e.Path.StartsWith("big", StringComparison.Ordinal)).ToList();
        var names = entries.Select(e => e.Id).Concat(Enumerable.Range(0, 3000).Select(i => i.ToString("x40", System.Globalization.CultureInfo.InvariantCulture))).ToList();

        var objects = await mirror.ReadObjectsAsync(names).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(names.Count, objects.Length);
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.Equal(entries[i].Id, objects[i]!.Id);
            Assert.Equal(64 * 1024, objects[i]!.Content.Length);
        }

        Assert.All(objects.Skip(entries.Count), Assert.Null);
        Assert.Equal("last\n", Encoding.UTF8.GetString((await mirror.ReadObjectAsync(head + ":last.txt"))!.Content));
    }

    [Fact]
    public async Task ReadObjectsAsync_CancelledMidAnswer_EndsPromptlyAndTheNextReadWorks()
    {
        for (var i = 0; i < 40; i++)
        {
            File.WriteAllText(Path.Combine(_clone, $"big{i}.txt"), new string((char)('a' + (i % 26)), 256 * 1024));
        }

        Git.Run(_clone, "add", ".");
        var head = Git.CommitFile(_clone, "last.txt", "last\n", "big files");
        Git.Run(_clone, "push", "--quiet", "origin", "HEAD:main");
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        await mirror.SyncAsync(["main"]);
        var names = (await mirror.ListTreeAsync(head)).Select(e => e.Id).ToList();
        var many = Enumerable.Repeat(names, 50).SelectMany(n => n).ToList(); // 500 MB of answers: never read to the end

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mirror.ReadObjectsAsync(many, cancel.Token));
        var stopped = clock.Elapsed;

        Assert.True(stopped < TimeSpan.FromMilliseconds(800), $"cancelling took {stopped.TotalMilliseconds:0} ms");
        Assert.Equal("last\n", Encoding.UTF8.GetString((await mirror.ReadObjectAsync(head + ":last.txt"))!.Content));
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
    public async Task SyncAsync_ForcePushRewritesMain_MirrorFollowsAndOldHeadIsNoAncestor()
    {
        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, _url);
        var before = (await mirror.SyncAsync(["main"])).RemoteHeads["main"];
        Git.Run(_clone, "commit", "--quiet", "--amend", "-m", "rewritten");
        Git.Run(_clone, "push", "--quiet", "--force", "origin", "HEAD:main");

        var after = (await mirror.SyncAsync(["main"])).RemoteHeads["main"];

        Assert.NotEqual(before, after);
        Assert.Equal(after, await mirror.GetLocalHeadAsync("main"));
        Assert.False(await mirror.IsAncestorAsync(before, after));
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
