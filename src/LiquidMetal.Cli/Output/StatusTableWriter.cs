using System.Globalization;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Output;

/// <summary>
/// The status branch as a person reads it in a terminal: revisions, then clusters, then hosts. A cell holds one short
/// line: why a host did not answer is its first sentence, cut to <see cref="ShortText.ReasonWidth"/> characters (an agent's refusal
/// can run to thousands); the whole message stays in <c>--format json</c> and in the status files.
/// </summary>
internal static class StatusTableWriter
{
    /// <param name="nodes">Also a row per node: its cluster, host, addresses and state (a fleet has many: asked for, not by default).</param>
    public static void Write(TextWriter output, StatusSnapshot snapshot, bool nodes = false)
    {
        var fleet = snapshot.Fleet;
        output.WriteLine($"status commit {Short(snapshot.Commit)}");
        if (fleet is not null)
        {
            output.WriteLine($"fleet revisions: fetched {Short(fleet.FetchedRevision)}, rendered {Short(fleet.RenderedRevision)}, applied {Short(fleet.AppliedRevision)}");
            foreach (var condition in fleet.Conditions)
            {
                output.WriteLine($"  {condition.Type}={condition.Status} {condition.Reason}: {condition.Message}");
            }

            foreach (var error in fleet.Errors)
            {
                output.WriteLine($"  {error}");
            }
        }

        output.WriteLine();
        Table(output, ["CLUSTER", "PHASE", "READY", "CONDITIONS"], snapshot.Clusters.Select(c => new[]
        {
            c.Name,
            c.Phase,
            $"{c.ReadyNodes}/{c.Nodes.Length}",
            string.Join(", ", c.Conditions.Where(k => k.Status).Select(k => $"{k.Type} ({k.Reason})")),
        }));
        output.WriteLine();
        Table(output, ["HOST", "REACHABLE", "CPU", "MEMORY MiB", "VMS"], snapshot.Hosts.Select(h => new[]
        {
            h.Name,
            h.Reachable ? "yes" : ShortText.Reason(h.Error),
            $"{h.Allocated.Cpu}/{h.Capacity.Cpu}",
            string.Create(CultureInfo.InvariantCulture, $"{h.Allocated.MemoryMiB}/{h.Capacity.MemoryMiB}"),
            VmSummary(h),
        }));
        // A host's conditions that do not hold, whole: each is one sentence with its figures (e.g. CapacityMatches).
        foreach (var (host, condition) in snapshot.Hosts.SelectMany(h => h.Conditions.Where(c => !c.Status).Select(c => (h.Name, c))))
        {
            output.WriteLine($"  {host}: {condition.Type}={condition.Status} {condition.Reason}: {condition.Message}");
        }

        if (nodes)
        {
            output.WriteLine();
            Table(output, ["NODE", "CLUSTER", "ROLE", "HOST", "ADDRESSES", "STATE", "KUBERNETES"], snapshot.Clusters.SelectMany(c => c.Nodes.Select(n => new[]
            {
                n.Name,
                c.Name,
                n.Role,
                n.Host ?? "-",
                n.Addresses.IsDefaultOrEmpty ? "-" : string.Join(" ", n.Addresses),
                n.State,
                n.Kubernetes ?? "-",
            })));
        }

        if (snapshot.Hosts.Any(h => !h.Reachable && ShortText.Reason(h.Error).EndsWith('…')))
        {
            output.WriteLine("(reasons cut short: each whole is in --format json, and in status/hosts/<host>.yaml on the status branch)");
        }
    }

    private static string VmSummary(HostStatusDocument host) =>
        host.Vms.IsEmpty
            ? "0"
            : $"{host.Vms.Length} ({string.Join(", ", host.Vms.GroupBy(v => v.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))})";

    private static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Short(string? revision) => revision is null ? "-" : revision[..Math.Min(12, revision.Length)];
}
