using System.Globalization;
using System.Runtime.InteropServices;
using LiquidMetal.Agent.Processes;
using Microsoft.Win32.SafeHandles;

namespace LiquidMetal.Agent.Persistence;

/// <summary>
/// An exclusive flock on <c>agent.lock</c>: two agents on one state folder would both start
/// every VM. The kernel drops the lock when the holder dies, even by kill -9. The file is
/// opened with open(2) rather than FileStream, whose own advisory locks would collide with
/// this one, and close-on-exec, so VMMs the agent starts do not inherit (and keep) the lock.
/// </summary>
internal sealed class StateDirectoryLock : IDisposable
{
    private const int OpenReadWriteCreate = 0x2 | 0x40;
    private const int Permissions = 0x1A4; // 0644

    private readonly SafeFileHandle _handle;

    private StateDirectoryLock(SafeFileHandle handle) => _handle = handle;

    public static StateDirectoryLock Acquire(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, "agent.lock");
        var pidFile = Path.Combine(stateDirectory, "agent.pid");
        var fd = Native.open(path, OpenReadWriteCreate | Native.OpenCloseOnExec, Permissions);
        if (fd < 0)
        {
            throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);

        // A holder that is just letting go (an agent being restarted, or, within one process, a fork that has not
        // reached its exec yet and so still shares the descriptor) gets a moment before the folder counts as taken.
        var locked = false;
        for (var attempt = 0; attempt < 20 && !(locked = Native.flock(fd, Native.LockExclusive | Native.LockNonBlocking) == 0); attempt++)
        {
            Thread.Sleep(50);
        }

        if (!locked)
        {
            handle.Dispose();
            var holder = File.Exists(pidFile) ? $" (pid {File.ReadAllText(pidFile).Trim()})" : string.Empty;
            throw new StateDirectoryInUseException(
                $"state folder {stateDirectory} is in use by another agent{holder}; one agent per state folder, or both would run every VM");
        }

        File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new StateDirectoryLock(handle);
    }

    public void Dispose() => _handle.Dispose();
}
