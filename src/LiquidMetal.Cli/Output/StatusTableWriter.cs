using System.Globalization;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Output;

/// <summary>The status branch as a person reads it in a terminal: revisions, then clusters, then hosts.</summary>
internal static class StatusTableWriter
{
    public static void Write(TextWriter output, StatusSnapshot snapshot)
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
            h.Reachable ? "yes" : "no: " + h.Error,
            $"{h.Allocated.Cpu}/{h.Capacity.Cpu}",
            string.Create(CultureInfo.InvariantCulture, $"{h.Allocated.MemoryMiB}/{h.Capacity.MemoryMiB}"),
            VmSummary(h),
        }));
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
