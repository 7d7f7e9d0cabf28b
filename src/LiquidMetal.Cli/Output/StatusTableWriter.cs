using System.Globalization;
using System.Text.RegularExpressions;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Output;

/// <summary>
/// The status branch as a person reads it in a terminal: revisions, then clusters, then hosts. A cell holds one short
/// line: why a host did not answer is its first sentence, cut to <see cref="ReasonWidth"/> characters (an agent's refusal
/// can run to thousands); the whole message stays in <c>--format json</c> and in the status files.
/// </summary>
internal static partial class StatusTableWriter
{
    /// <summary>The most characters a host's reason takes in the table, its ellipsis included.</summary>
    public const int ReasonWidth = 72;

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
            h.Reachable ? "yes" : ShortReason(h.Error),
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

        if (snapshot.Hosts.Any(h => !h.Reachable && ShortReason(h.Error).EndsWith('…')))
        {
            output.WriteLine("(reasons cut short: each whole is in --format json, and in status/hosts/<host>.yaml on the status branch)");
        }
    }

    /// <summary>
    /// Why a host's agent did not answer, as one line of at most <see cref="ReasonWidth"/> characters, in a stable
    /// form: "refused: " and the first of the agent's reasons, "unreachable: " and the first sentence of what failed,
    /// "other host: " and the host its agent serves, or "no: " and the first sentence of anything else.
    /// </summary>
    public static string ShortReason(string? error)
    {
        var text = error ?? string.Empty;
        var reason = RefusedPattern().Match(text) is { Success: true } refused ? "refused: " + FirstSentence(refused.Groups["detail"].Value)
            : UnreachablePattern().Match(text) is { Success: true } unreachable ? "unreachable: " + FirstSentence(unreachable.Groups["detail"].Value)
            : OtherHostPattern().Match(text) is { Success: true } other ? "other host: its agent is " + other.Groups["host"].Value
            : "no: " + (text.Length == 0 ? "no reason recorded" : FirstSentence(text));
        if (reason.Length <= ReasonWidth)
        {
            return reason;
        }

        // Cut between words where one ends in the second half of the room, else mid-word.
        var room = reason[..(ReasonWidth - 1)];
        var space = room.LastIndexOf(' ');
        return (space > ReasonWidth / 2 ? room[..space] : room).TrimEnd() + "…";
    }

    /// <summary>Up to the first line break, "; " or ". ", with runs of white space made one space.</summary>
    private static string FirstSentence(string text)
    {
        var end = SentenceEnd().Match(text) is { Success: true } found ? found.Index : text.Length;
        return Spaces().Replace(text[..end], " ").Trim();
    }

    // "agent refused: InvalidArgument: desired state refused: vm a: ...; vm b: ..." (the gRPC code and the agent's lead-in add nothing).
    [GeneratedRegex(@"^agent refused: (?:\w+: )?(?:desired state refused: )?(?<detail>.*)$", RegexOptions.Singleline)]
    private static partial Regex RefusedPattern();

    // "agent at https://sled-1:7443 unreachable: Unavailable: ..."
    [GeneratedRegex(@"^agent at \S+ unreachable: (?<detail>.*)$", RegexOptions.Singleline)]
    private static partial Regex UnreachablePattern();

    // "the agent at https://sled-1:7443 is host sled-2, not sled-1: check ..."
    [GeneratedRegex(@"^the agent at \S+ is host (?<host>\S+), not ")]
    private static partial Regex OtherHostPattern();

    [GeneratedRegex(@"\r?\n|; |\. ")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

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
