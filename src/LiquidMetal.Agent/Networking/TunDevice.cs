using System.Runtime.InteropServices;
using System.Text;

namespace LiquidMetal.Agent.Networking;

/// <summary>
/// Persistent taps through /dev/net/tun's ioctls, as ip tuntap does, for three things a command cannot give:
/// a new tap is exclusive (IFF_TUN_EXCL: never someone else's device of the same name), it is marked as ours before it
/// persists (a crash in between leaves nothing, because the tap dies with our descriptor), and removing one a VMM
/// still holds fails with EBUSY instead of pulling the NIC out from under a running guest.
/// </summary>
internal static unsafe partial class TunDevice
{
    private const string CloneDevice = "/dev/net/tun";
    private const int InterfaceNameSize = 16;
    private const int InterfaceRequestSize = 40; // struct ifreq on 64-bit Linux
    private const short TapFlag = 0x0002;
    private const short NoPacketInfo = 0x1000;
    private const short Exclusive = unchecked((short)0x8000);
    private const nuint SetInterface = 0x400454ca; // TUNSETIFF = _IOW('T', 202, int)
    private const nuint SetPersist = 0x400454cb; // TUNSETPERSIST = _IOW('T', 203, int)
    private const int Busy = 16; // EBUSY

    /// <summary>Creates the tap, runs <paramref name="mark"/> while only our descriptor keeps it alive, then makes it persist.</summary>
    public static void CreatePersistent(string name, Action mark)
    {
        using var tun = Open();
        var error = Attach(tun, name, TapFlag | NoPacketInfo | Exclusive);
        if (error != 0)
        {
            throw new IOException(error == Busy
                ? $"cannot create tap {name}: a device of that name exists already"
                : $"cannot create tap {name}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        mark();
        if (ioctl((int)tun.DangerousGetHandle(), SetPersist, (void*)1) != 0)
        {
            throw new IOException($"cannot make tap {name} persistent: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Ends a persistent tap; false when a process holds it (the kernel refuses a second owner).</summary>
    public static bool RemovePersistent(string name)
    {
        using var tun = Open();
        var error = Attach(tun, name, TapFlag | NoPacketInfo);
        if (error == Busy)
        {
            return false;
        }

        if (error != 0)
        {
            throw new IOException($"cannot open tap {name}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        // Without persistence the tap goes when our descriptor closes.
        if (ioctl((int)tun.DangerousGetHandle(), SetPersist, null) != 0)
        {
            throw new IOException($"cannot end tap {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return true;
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open()
    {
        try
        {
            return File.OpenHandle(CloneDevice, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot open {CloneDevice} ({e.Message}): the agent needs the tun module and root (or CAP_NET_ADMIN)", e);
        }
    }

    /// <summary>TUNSETIFF: creates the tap or attaches to it; the errno, or 0.</summary>
    private static int Attach(Microsoft.Win32.SafeHandles.SafeFileHandle tun, string name, short flags)
    {
        var request = stackalloc byte[InterfaceRequestSize];
        new Span<byte>(request, InterfaceRequestSize).Clear();
        var written = Encoding.ASCII.GetBytes(name, new Span<byte>(request, InterfaceNameSize - 1));
        if (written != name.Length)
        {
            throw new ArgumentException($"tap name {name} is longer than {InterfaceNameSize - 1} characters", nameof(name));
        }

        *(short*)(request + InterfaceNameSize) = flags;
        return ioctl((int)tun.DangerousGetHandle(), SetInterface, request) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, void* argument);
}
