using System.Diagnostics;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Processes;

public sealed class ExitWatcherTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task WatchAsync_ProcessKilled_NoticedWithinASecond()
    {
        using var child = DetachedProcess.Start("sleep", ["30"], Path.Combine(_dir.Path, "out.log"), _dir.Path);
        var start = ProcFs.StartTime(child.Id)!.Value;
        var exited = ExitWatcher.Shared.WatchAsync(child.Id, start, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(exited.IsCompleted);

        var watch = Stopwatch.StartNew();
        Native.kill(child.Id, Native.SigKill);
        await exited.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"noticed after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task WatchAsync_WrongStartTime_CompletesAtOnceAsAReusedPid()
    {
        using var child = DetachedProcess.Start("sleep", ["30"], Path.Combine(_dir.Path, "out.log"), _dir.Path);
        try
        {
            var task = ExitWatcher.Shared.WatchAsync(child.Id, ProcFs.StartTime(child.Id)!.Value + 1, CancellationToken.None);

            await task.WaitAsync(TimeSpan.FromSeconds(1));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task DetachedProcess_Start_OwnSessionAndPidOfTheProgramItself()
    {
        var marker = _dir.Path + "/marker/";
        using var child = DetachedProcess.Start("/bin/sh", ["-c", "sleep 30; :", marker], Path.Combine(_dir.Path, "out.log"), _dir.Path);
        try
        {
            // The wrapping sh and setsid exec into the program: the pid we hold is the program's.
            await WaitUntilAsync(() => ProcFs.CommandLine(child.Id).StartsWith("/bin/sh -c sleep 30", StringComparison.Ordinal));
            var stat = File.ReadAllText($"/proc/{child.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var sessionId = int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);

            Assert.Equal(child.Id, sessionId);

            // sh forks for `sleep`, and for an instant that child still carries sh's command line (marker included).
            await WaitUntilAsync(() => ProcFs.FindByMarkers([marker]).Count == 1);
            Assert.Equal([(child.Id, ProcFs.StartTime(child.Id)!.Value)], ProcFs.FindByMarkers([marker]));
            Assert.Equal([(child.Id, ProcFs.StartTime(child.Id)!.Value)], ProcFs.FindVmm("sh", [marker]));
            Assert.Empty(ProcFs.FindVmm("qemu-system-x86_64", [marker]));
            Assert.True(ProcFs.IsSame(child.Id, ProcFs.StartTime(child.Id)!.Value, "sh", [marker]));
            Assert.False(ProcFs.IsSame(child.Id, ProcFs.StartTime(child.Id)!.Value, "sh", ["/somewhere/else/"]));
            Assert.False(ProcFs.IsSame(child.Id, ProcFs.StartTime(child.Id)!.Value, "tail", [marker]));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "condition never held");
    }

    public void Dispose() => _dir.Dispose();
}
