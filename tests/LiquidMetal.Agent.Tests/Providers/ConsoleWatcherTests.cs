using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Providers;

public sealed class ConsoleWatcherTests : IDisposable
{
    private const string Sha = "d092c18166cefb0a048ba7a67185a23b29028f945cc76e6a1caaa38eeec0cece";
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task Ready_MarkerWithOwnIdAppended_Completes()
    {
        var log = Path.Combine(_dir.Path, "console.log");
        using var watcher = new ConsoleWatcher(log, "vm-a", TimeSpan.FromMilliseconds(20), TimeProvider.System);

        await File.AppendAllTextAsync(log, "[    0.1] booting\r\n");
        await File.AppendAllTextAsync(log, $"LIQUIDMETAL-READY id=vm-b userdata-sha256={Sha}\n");
        await Task.Delay(100);
        Assert.False(watcher.Ready.IsCompleted);

        await File.AppendAllTextAsync(log, $"LIQUIDMETAL-READY id=vm-a userdata-sha256={Sha}\n");
        var marker = await watcher.Ready.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(Sha, marker.UserDataSha256);
    }

    [Fact]
    public void Tail_ManyLines_LastOnesWithoutCarriageReturns()
    {
        var log = Path.Combine(_dir.Path, "console.log");
        File.WriteAllText(log, string.Concat(Enumerable.Range(1, 100).Select(i => $"line {i}\r\n")) + "partial");
        using var watcher = new ConsoleWatcher(log, "vm-a", TimeSpan.FromHours(1), TimeProvider.System);

        var tail = watcher.Tail();

        Assert.Equal("partial", tail[^1]);
        Assert.Equal("line 100", tail[^2]);
        Assert.DoesNotContain(tail, l => l.Contains('\r', StringComparison.Ordinal));
    }

    [Fact]
    public void Tail_LogTruncatedByANewVmm_StartsOver()
    {
        var log = Path.Combine(_dir.Path, "console.log");
        File.WriteAllText(log, "old boot, a long line of output\n");
        using var watcher = new ConsoleWatcher(log, "vm-a", TimeSpan.FromHours(1), TimeProvider.System);
        watcher.Tail();

        File.WriteAllText(log, "new\n");

        Assert.Equal("new", watcher.Tail()[^1]);
    }

    public void Dispose() => _dir.Dispose();
}
