using System.Runtime.InteropServices;

namespace LiquidMetal.Agent.Processes;

/// <summary>
/// Notices the exit of processes that are not our children (VMMs adopted after an agent
/// restart) as it happens: one thread blocks in poll(2) on a pidfd per process, plus an
/// eventfd that wakes it when the set changes, so an idle agent costs no CPU. Where pidfds
/// are missing (Linux before 5.3) it checks /proc every 100 ms instead.
/// </summary>
internal sealed class ExitWatcher
{
    private const int FallbackIntervalMs = 100;

    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly int _wakeFd = Native.eventfd(0, Native.EventFdCloseOnExec | Native.EventFdNonBlocking);
    private Thread? _thread;

    public static ExitWatcher Shared { get; } = new();

    /// <summary>Completes when the process exits; cancelling stops watching and leaves the task pending.</summary>
    public Task WatchAsync(int pid, ulong startTime, CancellationToken cancellationToken)
    {
        var fd = Native.PidfdOpen(pid);
        var errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        // The pid could have been reused between the caller's identity check and pidfd_open.
        if ((fd < 0 && errno == Native.ErrorNoSuchProcess) || ProcFs.StartTime(pid) != startTime)
        {
            if (fd >= 0)
            {
                Native.close(fd);
            }

            return Task.CompletedTask;
        }

        var entry = new Entry(pid, startTime, fd);
        lock (_gate)
        {
            _entries.Add(entry);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "liquidmetal-exit-watcher" };
                _thread.Start();
            }
        }

        Wake();
        cancellationToken.Register(() =>
        {
            // Only the polling thread closes descriptors, so poll never sees a number that was closed and reused.
            entry.Cancelled = true;
            Wake();
        });
        return entry.Exited.Task;
    }

    private unsafe void Wake()
    {
        ulong one = 1;
        Native.write(_wakeFd, &one, sizeof(ulong));
    }

    private unsafe void Run()
    {
        while (true)
        {
            Entry[] entries;
            lock (_gate)
            {
                foreach (var cancelled in _entries.Where(e => e.Cancelled).ToArray())
                {
                    Close(cancelled);
                }

                entries = [.. _entries];
            }

            // Slot 0 is the wake-up eventfd; poll ignores the negative descriptors of fallback entries.
            var fds = new Native.PollFd[entries.Length + 1];
            fds[0] = new Native.PollFd { Fd = _wakeFd, Events = Native.PollIn };
            for (var i = 0; i < entries.Length; i++)
            {
                fds[i + 1] = new Native.PollFd { Fd = entries[i].Fd, Events = Native.PollIn };
            }

            var timeout = entries.Any(e => e.Fd < 0) ? FallbackIntervalMs : -1;
            fixed (Native.PollFd* pinned = fds)
            {
                Native.poll(pinned, (nuint)fds.Length, timeout);
            }

            if ((fds[0].Revents & Native.PollIn) != 0)
            {
                ulong drained;
                Native.read(_wakeFd, &drained, sizeof(ulong));
            }

            for (var i = 0; i < entries.Length; i++)
            {
                var entry = entries[i];
                var exited = entry.Fd >= 0
                    ? (fds[i + 1].Revents & Native.PollIn) != 0
                    : ProcFs.StartTime(entry.Pid) != entry.StartTime;
                if (exited && !entry.Cancelled)
                {
                    lock (_gate)
                    {
                        Close(entry);
                    }

                    entry.Exited.TrySetResult();
                }
            }
        }
    }

    private void Close(Entry entry)
    {
        if (_entries.Remove(entry) && entry.Fd >= 0)
        {
            Native.close(entry.Fd);
        }
    }

    private sealed class Entry(int pid, ulong startTime, int fd)
    {
        public int Pid { get; } = pid;

        public ulong StartTime { get; } = startTime;

        private volatile bool _cancelled;

        public int Fd { get; } = fd;

        /// <summary>Set by a cancelled watch; the polling thread then closes the descriptor.</summary>
        public bool Cancelled
        {
            get => _cancelled;
            set => _cancelled = value;
        }

        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
