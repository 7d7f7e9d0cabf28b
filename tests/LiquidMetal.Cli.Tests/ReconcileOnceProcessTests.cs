using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiquidMetal.Cli.Tests;

/// <summary>
/// The real <c>liquidmetal</c> process: <c>reconcile --once</c> on a fleet whose agents never answer (it cannot converge),
/// and every command stopped by SIGTERM or by Ctrl+C as a terminal sends it (SIGINT to the whole process group, git
/// included). A stop is an exit code and one line, never a stack trace.
/// </summary>
public sealed class ReconcileOnceProcessTests : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly string _root = Directory.CreateTempSubdirectory("lm-once-").FullName;
    private readonly List<Process> _started = [];

    [Fact]
    public async Task ReconcileOnce_NoWaitAndAHostThatCannotConverge_OnePassThenExitOne()
    {
        var repo = TestRepos.FleetWithSilentAgents(_root);

        var process = Start("reconcile", "--repo", repo, "--mirror", Path.Combine(_root, "mirror.git"), "--once");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}: {stderr}");
        var passes = (await stdout).Split('\n').Where(l => l.StartsWith("revision ", StringComparison.Ordinal)).ToList();
        Assert.Equal("converging", Assert.Single(passes).Split(' ')[2].TrimEnd(';'));
        Assert.Contains("not converged after one pass; --wait S passes until it converges or S seconds have passed", stderr);
        AssertNoStackTrace(stderr);
    }

    [Theory]
    [InlineData(SigTerm, false)]
    [InlineData(SigInt, true)]
    public async Task ReconcileOnceWaiting_Signal_ExitOneStoppedWithoutStackTrace(int signal, bool wholeGroup)
    {
        var repo = TestRepos.FleetWithSilentAgents(_root);

        var process = Start("reconcile", "--repo", repo, "--mirror", Path.Combine(_root, "mirror.git"), "--once", "--wait", "600");
        var stderr = process.StandardError.ReadToEndAsync();
        string? line;
        do
        {
            // The first pass's line: the loop is running (and will run for ten minutes unless stopped).
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(line);
        }
        while (!line.StartsWith("revision ", StringComparison.Ordinal));

        Signal(process, signal, wholeGroup);
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}: {await stderr}");
        Assert.Contains("reconcile: stopped before the fleet converged", await stderr);
        AssertNoStackTrace(await stderr);
    }

    [Theory]
    [InlineData(SigTerm, 143)]
    [InlineData(SigInt, 130)]
    public async Task Render_SignalWhileItWrites_ExitsAsSignalledWithoutStackTrace(int signal, int exitCode)
    {
        var process = Start("render", BigFleet());
        var stderr = process.StandardError.ReadToEndAsync();

        // Its first line is out; the rest (far more than a pipe holds) waits for a reader that does not come: it is in the middle of writing.
        Assert.NotNull(await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Signal(process, signal, wholeGroup: true);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == exitCode, $"exit {process.ExitCode}: {await stderr}");
        AssertNoStackTrace(await stderr);
    }

    /// <summary>fleet-example's five hosts copied 100 times (500 hosts, no clusters): a quarter of a megabyte of rendered hosts.</summary>
    private string BigFleet()
    {
        var fleet = Path.Combine(_root, "big");
        Directory.CreateDirectory(Path.Combine(fleet, "hosts"));
        File.Copy(Path.Combine(Example(), "fleet.yaml"), Path.Combine(fleet, "fleet.yaml"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Example(), "hosts")))
        {
            var text = File.ReadAllText(file);
            var name = Path.GetFileNameWithoutExtension(file);
            for (var copy = 0; copy < 100; copy++)
            {
                File.WriteAllText(Path.Combine(fleet, "hosts", $"{name}-{copy}.yaml"), text.Replace(name, $"{name}-{copy}", StringComparison.Ordinal));
            }
        }

        return fleet;
    }

    /// <summary>
    /// The executable in a process group of its own (so a signal to the group is what a terminal's Ctrl+C does), with
    /// SIGINT's default action even where the test runner was started with it ignored (a background job of a script).
    /// </summary>
    private Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "env", "--default-signal=INT", Environment.ProcessPath ?? "dotnet", Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll") }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        _started.Add(process);
        return process;
    }

    private static void Signal(Process process, int signal, bool wholeGroup)
    {
        // setsid ran the executable as the leader of a new process group: its pid is the group's id.
        Assert.True(Kill(wholeGroup ? -process.Id : process.Id, signal) == 0, $"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
    private static string Example() => TestRepos.Example();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        // A test that failed early leaves no process behind (a reconcile waiting ten minutes, say).
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }
}
