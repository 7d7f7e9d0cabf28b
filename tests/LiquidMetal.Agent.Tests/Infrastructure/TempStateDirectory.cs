using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>
/// A short state folder under /tmp (QEMU's socket paths must fit in 107 bytes). Disposing it
/// kills every VMM still running from it and removes its agents' taps: both outlive agents on
/// purpose, but not tests.
/// </summary>
internal sealed class TempStateDirectory : IDisposable
{
    public TempStateDirectory()
    {
        Path = System.IO.Path.Combine("/tmp", "lm-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Images => Directory.CreateDirectory(System.IO.Path.Combine(Path, "images")).FullName;

    public void Dispose()
    {
        foreach (var (pid, _) in ProcFs.FindByMarkers([Path + "/"]))
        {
            Native.kill(pid, Native.SigKill);
        }

        // Agents' taps outlive their VMMs on purpose (they are persistent), but not tests.
        HostTaps.RemoveUnder(Path);

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A VMM may still be closing its log; /tmp is cleaned eventually.
        }
    }
}
