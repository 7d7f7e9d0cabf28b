using System.Collections.Immutable;
using System.Runtime.CompilerServices;
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
    // A report read from a Watch stream stays the same object pass after pass while its host does not change: its
    // fingerprint is worked out once (1,000 reports of 20 VMs each pass at 1,000 hosts). Keyed by the object, not by
    // value: the record is immutable, and a changed copy ('with') is another object.
    private static readonly ConditionalWeakTable<HostReport, string> Fingerprints = new();

    /// <summary>
    /// What of a report decides whether a pass has something new to do or record: the spec and each VM's and the
    /// metal assignment's state. Two reports with the same fingerprint need no pass between them.
    /// </summary>
    public string Fingerprint() => Fingerprints.GetValue(this, static report =>
        string.Join('|', report.Vms.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => $"{v.Id} {v.Phase} {v.Hash} {v.Restarts}")
            .Append($"metal {report.Metal?.Node} {report.Metal?.Phase} {report.Metal?.Hash}")
            .Append(report.SpecHash)));
}
