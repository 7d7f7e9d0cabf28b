using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Providers;

/// <summary>Finds the VMM process of one VM: the recorded one while its identity holds, else by program and command line.</summary>
internal static class VmmLocator
{
    /// <param name="onDuplicate">Told about each surplus VMM before it is killed.</param>
    public static (int Pid, ulong StartTime)? Locate(InstanceRecord? record, string program, string marker, Action<int> onDuplicate)
    {
        string[] markers = [marker];
        if (record is { Pid: > 0 } && ProcFs.IsSame(record.Pid, record.StartTime, program, markers))
        {
            return (record.Pid, record.StartTime);
        }

        var found = ProcFs.FindVmm(program, markers).OrderBy(p => p.StartTime).ToArray();
        // Never two VMMs for one VM: keep the oldest, which may already have booted.
        foreach (var (pid, _) in found.Skip(1))
        {
            onDuplicate(pid);
            Native.kill(pid, Native.SigKill);
        }

        return found.Length == 0 ? null : found[0];
    }
}
