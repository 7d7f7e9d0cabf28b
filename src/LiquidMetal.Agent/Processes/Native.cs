using System.Runtime.InteropServices;

namespace LiquidMetal.Agent.Processes;

/// <summary>The few Linux calls .NET does not wrap: pidfd, poll, eventfd, flock, kill and fsync of a directory.</summary>
internal static partial class Native
{
    public const int OpenReadOnly = 0;
    public const int OpenDirectory = 0x10000;
    public const int OpenCloseOnExec = 0x80000;
    public const int LockExclusive = 2;
    public const int LockNonBlocking = 4;
    public const short PollIn = 0x1;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int ErrorNoSuchProcess = 3;
    public const int EventFdCloseOnExec = 0x80000;
    public const int EventFdNonBlocking = 0x800;
    private const long SysPidfdOpen = 434;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode = 0);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initialValue, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, uint flags);

    /// <summary>A file descriptor that becomes readable when the process exits; -1 when the process is gone or pidfds are unsupported.</summary>
    public static int PidfdOpen(int pid) => (int)syscall(SysPidfdOpen, pid, 0);

    /// <summary>Flushes a directory entry change (a rename) to disk.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = open(path, OpenReadOnly | OpenDirectory | OpenCloseOnExec);
        if (fd < 0)
        {
            return;
        }

        try
        {
            fsync(fd);
        }
        finally
        {
            close(fd);
        }
    }
}
