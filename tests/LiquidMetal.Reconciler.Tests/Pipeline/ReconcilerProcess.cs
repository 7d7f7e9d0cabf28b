using System.Diagnostics;
using System.Globalization;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// A real `liquidmetal reconcile --once --wait S` process (the CLI built beside the tests), its output and error lines
/// kept as they come with the time they came, so a test can wait for what it says and show what each process did.
/// </summary>
internal sealed class ReconcilerProcess : IDisposable
{
    private readonly Recording<(DateTimeOffset At, string Line)> _lines = new();
    private readonly Process _process;

    private ReconcilerProcess(string name, ProcessStartInfo info)
    {
        Name = name;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Who this is in a test's messages ("A", "B", "A again").</summary>
    public string Name { get; }

    public IReadOnlyList<(DateTimeOffset At, string Line)> Lines => _lines.Snapshot();

    /// <param name="settle">Seconds for --control-plane-settle; null leaves the reconciler's default.</param>
    public static ReconcilerProcess Start(string name, string url, string mirror, int wait, string? settle = null)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments = [Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "reconcile", "--repo", url, "--mirror", mirror, "--once", "--wait", wait.ToString(CultureInfo.InvariantCulture)];
        foreach (var argument in settle is null ? arguments : [.. arguments, "--control-plane-settle", settle])
        {
            info.ArgumentList.Add(argument);
        }

        return new ReconcilerProcess(name, info);
    }

    /// <summary>Waits until it has exited and its output is read to the end; fails with its output unless it exited 0.</summary>
    public async Task ExitsConvergedAsync()
    {
        await _process.WaitForExitAsync();
        Assert.True(_process.ExitCode == 0, $"{Name} exit {_process.ExitCode}:\n{string.Join('\n', Lines.Select(l => l.Line))}");
    }

    /// <summary>SIGKILL: no cleanup, no last status write.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>The first line (from the start) that <paramref name="match"/> accepts; waits for it until cancelled.</summary>
    public async Task<string> LineAsync(Func<string, bool> match, CancellationToken cancellationToken) =>
        (await _lines.FirstAsync(l => match(l.Line), cancellationToken)).Line;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null) // null: the end of one of its streams
        {
            _lines.Add([(DateTimeOffset.UtcNow, line)]);
        }
    }
}
