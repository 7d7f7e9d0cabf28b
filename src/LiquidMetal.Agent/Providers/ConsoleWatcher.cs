using System.Text;
using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Providers;

/// <summary>
/// Follows a VM's console log: keeps its last lines for failure reasons and completes
/// <see cref="Ready"/> on the ready marker with this VM's id. The log is a file the VMM
/// writes, so following it needs no connection that an agent restart would break.
/// </summary>
internal sealed class ConsoleWatcher : IDisposable
{
    private const int KeptLines = 40;
    // A VM adopted after a long run may have a large log; its marker is only needed while it boots.
    private const long MaxInitialRead = 256 * 1024;

    private readonly string _path;
    private readonly string _vmId;
    private readonly object _gate = new();
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly TaskCompletionSource<ReadyMarker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private long _offset = -1;

    public ConsoleWatcher(string path, string vmId, TimeSpan interval, TimeProvider time)
        : this(path, vmId)
    {
        _ = FollowAsync(interval, time);
    }

    private ConsoleWatcher(string path, string vmId)
    {
        _path = path;
        _vmId = vmId;
    }

    public Task<ReadyMarker> Ready => _ready.Task;

    /// <summary>The last lines of a console log nobody follows (a VM that died while the agent was down).</summary>
    public static IReadOnlyList<string> ReadTail(string path)
    {
        using var watcher = new ConsoleWatcher(path, string.Empty);
        return watcher.Tail();
    }

    public IReadOnlyList<string> Tail()
    {
        Poll();
        lock (_gate)
        {
            return _partial.Length > 0 ? [.. _lines, _partial.ToString()] : [.. _lines];
        }
    }

    /// <summary>Reads what was appended since the last call.</summary>
    public void Poll()
    {
        lock (_gate)
        {
            try
            {
                using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (_offset < 0)
                {
                    _offset = Math.Max(0, stream.Length - MaxInitialRead);
                }
                else if (stream.Length < _offset)
                {
                    // A new VMM truncated the log.
                    _offset = 0;
                    _partial.Clear();
                }
                else if (stream.Length - _offset > MaxInitialRead)
                {
                    // Only the last lines matter once the VM is up: skip what a chatty guest printed meanwhile.
                    _offset = stream.Length - MaxInitialRead;
                    _partial.Clear();
                }

                stream.Position = _offset;
                var buffer = new byte[Math.Min(64 * 1024, Math.Max(0, stream.Length - _offset))];
                int read;
                while (buffer.Length > 0 && (read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    _offset += read;
                    Append(Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // The VMM has not created its log yet.
            }
        }
    }

    public void Dispose()
    {
        // Not disposed: the follow loop may still be registering on its token.
        _stop.Cancel();
    }

    private void Append(string text)
    {
        foreach (var c in text)
        {
            if (c == '\n')
            {
                AddLine(_partial.ToString());
                _partial.Clear();
            }
            else if (c != '\r')
            {
                _partial.Append(c);
            }
        }
    }

    private void AddLine(string line)
    {
        _lines.Enqueue(line);
        if (_lines.Count > KeptLines)
        {
            _lines.Dequeue();
        }

        if (ReadyMarker.TryParse(line, out var marker) && string.Equals(marker.Id, _vmId, StringComparison.Ordinal))
        {
            _ready.TrySetResult(marker);
        }
    }

    private async Task FollowAsync(TimeSpan interval, TimeProvider time)
    {
        var token = _stop.Token;
        try
        {
            // Following stops at the marker: after it, lines are read only when a failure reason needs them.
            using var timer = new PeriodicTimer(interval, time);
            do
            {
                Poll();
            }
            while (!_ready.Task.IsCompleted && await timer.WaitForNextTickAsync(token));
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }
}
