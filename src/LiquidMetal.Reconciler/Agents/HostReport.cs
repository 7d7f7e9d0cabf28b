using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>What one agent says its host runs.</summary>
/// <param name="Host">The host name the agent serves (empty for an agent that does not say).</param>
/// <param name="SpecHash">The spec hash of the last Apply it accepted: equal to the rendered one means nothing to apply.</param>
public sealed record HostReport(
    string Host,
    long ObservedGeneration,
    string SpecHash,
    Resources? Capacity,
    Resources? Allocated,
    ImmutableArray<VmReport> Vms,
    MetalReport? Metal)
{
    /// <summary>
    /// What of a report decides whether a pass has something new to do or record: the spec and each VM's and the
    /// metal assignment's state. Two reports with the same fingerprint need no pass between them.
    /// </summary>
    public string Fingerprint() =>
        string.Join('|', Vms.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => $"{v.Id} {v.Phase} {v.Hash} {v.Restarts}")
            .Append($"metal {Metal?.Node} {Metal?.Phase} {Metal?.Hash}")
            .Append(SpecHash));
}
