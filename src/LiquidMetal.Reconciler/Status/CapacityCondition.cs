using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// A host's condition <c>CapacityMatches</c>: whether its agent offers at least the capacity the fleet declares for it
/// (spec.capacity in hosts/&lt;host&gt;.yaml), which is what placement fills. The agent's figures are those it reports
/// (GetStatus), the very figures it judges an Apply by: the VMs' memory together may not exceed its memory (memory is
/// never overcommitted), and vCPUs are shared, never refused. So the message says, in the agent's terms, whether it
/// refuses the spec this host was told; a host whose spec the agent refused for memory is always flagged, since
/// placement never puts more on a host than the fleet declares.
/// </summary>
public static class CapacityCondition
{
    public const string Type = "CapacityMatches";

    /// <summary>The agent offers at least the declared CPUs and memory.</summary>
    public const string AgentOffersEnough = "AgentOffersEnough";

    /// <summary>The agent offers fewer CPUs or less memory than declared.</summary>
    public const string AgentOffersLess = "AgentOffersLess";

    /// <param name="offered">What the agent reports its machine offers.</param>
    /// <param name="declared">The host's capacity in the fleet.</param>
    /// <param name="placed">What the VMs the host was told to run take together.</param>
    public static Condition Of(Resources offered, Resources declared, Resources placed, DateTimeOffset now)
    {
        var message = $"the agent offers {offered.Cpu} vCPU and {offered.MemoryMiB} MiB; the fleet declares {declared.Cpu} vCPU and {declared.MemoryMiB} MiB";
        if (offered.Cpu >= declared.Cpu && offered.MemoryMiB >= declared.MemoryMiB)
        {
            return new Condition(Type, true, AgentOffersEnough, message, now);
        }

        if (offered.MemoryMiB < declared.MemoryMiB)
        {
            message += placed.MemoryMiB > offered.MemoryMiB ? $"; the VMs placed here need {placed.MemoryMiB} MiB together, more than it offers: it refuses such a spec"
                : placed.MemoryMiB > 0 ? $"; the VMs placed here ({placed.MemoryMiB} MiB) fit, but it refuses any spec whose VMs need more than {offered.MemoryMiB} MiB together"
                : $"; it refuses any spec whose VMs need more than {offered.MemoryMiB} MiB together";
        }

        if (offered.Cpu < declared.Cpu)
        {
            message += placed.Cpu > offered.Cpu
                ? $"; it refuses nothing for CPU, so the VMs placed here share {offered.Cpu} CPUs among {placed.Cpu} vCPU"
                : "; it refuses nothing for CPU (vCPUs are shared)";
        }

        return new Condition(Type, false, AgentOffersLess, message, now);
    }
}
