using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>A node script from interop/, whose stdout JSON lines are collected for assertions.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<JsonElement> _lines = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _readOut;
    private readonly Task _readErr;

    private NodeProcess(Process process)
    {
        _process = process;
        _readOut = Task.Run(ReadStdoutAsync);
        _readErr = Task.Run(async () =>
        {
            var text = await process.StandardError.ReadToEndAsync();
            lock (_stderr)
            {
                _stderr.Append(text);
            }
        });
    }

    public static NodeProcess Start(string script, params string[] arguments)
    {
        Interop.EnsureInstalled();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Interop.Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(Interop.Directory, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return new NodeProcess(Process.Start(info)!);
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("node is not on PATH; the interop tests need Node.js 18 or later.", exception);
        }
    }

    /// <summary>Waits for a line matching <paramref name="predicate"/>; fails with stderr if the process dies first.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            lock (_lines)
            {
                foreach (var line in _lines)
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }

            if (_readOut.IsCompleted)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"node printed no matching line within {timeout}. stdout: {Snapshot()} stderr: {Stderr()}");
    }

    /// <summary>Waits for the script to exit 0 and returns every line it printed.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            await Task.WhenAll(_readOut, _readErr);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node did not finish within {timeout}. stdout: {Snapshot()} stderr: {Stderr()}");
        }

        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node exited with {_process.ExitCode}. stderr: {Stderr()}");
        }

        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // server.js exits when its stdin closes; the kill is only the fallback.
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('{'))
            {
                using var document = JsonDocument.Parse(line);
                var element = document.RootElement.Clone();
                lock (_lines)
                {
                    _lines.Add(element);
                }
            }
        }
    }

    private string Snapshot()
    {
        lock (_lines)
        {
            return string.Join(" | ", _lines.Select(l => l.GetRawText()));
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }
}
