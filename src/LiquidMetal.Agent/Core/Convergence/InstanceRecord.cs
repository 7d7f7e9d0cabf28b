using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>What identifies a running VMM across agent restarts: a pid alone could have been reused.</summary>
/// <param name="Pid">The VMM's process id (0 for the simulator).</param>
/// <param name="StartTime">The process start time in clock ticks since boot, field 22 of /proc/&lt;pid&gt;/stat.</param>
/// <param name="Program">The VMM executable's file name, which its argv[0] must end with.</param>
/// <param name="Markers">Strings the VMM's command line must contain: the VM's folder.</param>
/// <param name="Details">Provider facts shown in the status (accelerator, console log).</param>
internal sealed record InstanceRecord(
    int Pid,
    ulong StartTime,
    string Program,
    ImmutableArray<string> Markers,
    ImmutableSortedDictionary<string, string> Details);
