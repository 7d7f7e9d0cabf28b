using System.Globalization;
using System.Text;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// README.md at the root of the status branch: what a Git web UI shows on the branch's page. The fleet's condition and
/// revisions, the capacity map, a table of clusters and of hosts, and what is failing and why; each table lists at most
/// <see cref="Markdown.Rows"/> rows (those in trouble first), so 1,000 hosts make a page, not a book. Made only from the
/// status documents (and a condition's time is when it last changed), so it changes when they do and only then.
/// </summary>
public static class StatusReadme
{
    public const string Path = "README.md";

    private const string Marker = "<!-- liquidmetal status:";

    /// <summary>True for a README this reconciler wrote (it begins with its marker); a person's README is left alone.</summary>
    public static bool IsOurs(ReadOnlySpan<byte> content) => content.StartsWith("<!-- liquidmetal status:"u8);

    /// <param name="fleet">The fleet's name; null when not known (a rejected revision on a new branch).</param>
    /// <param name="map">Whether status/capacity.svg is there to show.</param>
    public static string Write(string? fleet, FleetStatusDocument? status, IEnumerable<ClusterStatusDocument> clusters, IEnumerable<HostStatusDocument> hosts, bool map) =>
        Build(fleet, status, clusters, hosts, map).ToString();

    /// <summary>The README in a builder of small chunks (see <see cref="CapacityMap.Build"/>).</summary>
    public static StringBuilder Build(string? fleet, FleetStatusDocument? status, IEnumerable<ClusterStatusDocument> clusters, IEnumerable<HostStatusDocument> hosts, bool map)
    {
        var sortedClusters = Sorted(clusters, c => c.Name);
        var sortedHosts = Sorted(hosts, h => h.Name);
        var readme = new StringBuilder();
        readme.Append(Marker).Append(" the reconciler writes this file with every status commit, and replaces any edit. Keep notes in other files of this branch. -->\n");
        // A small fleet's map is a glance at the top; a large fleet's is a long picture, after the tables of what fails.
        var mapFirst = map && sortedHosts.Count <= CapacityMap.BarsUpTo;
        Head(readme, fleet, status, mapFirst);
        if (sortedClusters.Count == 0 && sortedHosts.Count == 0)
        {
            readme.Append("No cluster or host is recorded yet: no revision has been applied.\n\n");
        }
        else
        {
            Clusters(readme, sortedClusters);
            Hosts(readme, sortedHosts);
            Failing(readme, sortedClusters, sortedHosts);
        }

        if (map && !mapFirst)
        {
            readme.Append("## Capacity map\n\n");
            Map(readme, bars: false);
        }

        readme.Append("---\n\nWritten by the liquidmetal reconciler. Every document whole: ")
            .Append(Markdown.Link("status/fleet.yaml", "status/fleet.yaml")).Append(", ")
            .Append(Markdown.Link("status/clusters/", "status/clusters")).Append(", ")
            .Append(Markdown.Link("status/hosts/", "status/hosts")).Append("; what each host was told: ")
            .Append(Markdown.Link("rendered/hosts/", "rendered/hosts")).Append(".\n");
        return readme;
    }

    private static void Head(StringBuilder readme, string? fleet, FleetStatusDocument? status, bool map)
    {
        var ready = status?.Conditions.FirstOrDefault(c => c.Type == "Ready");
        var stalled = status?.Conditions.FirstOrDefault(c => c.Type == "Stalled");
        var headline = status is null ? "no status yet"
            : ready?.Status == true ? "Ready"
            : ready?.Reason == "RevisionRejected" ? "revision rejected"
            : stalled?.Status == true ? "Stalled"
            : "Converging";
        readme.Append("# ").Append(fleet is null ? "Fleet" : "Fleet " + Markdown.Text(fleet)).Append(": ").Append(headline).Append("\n\n");
        foreach (var condition in status?.Conditions ?? [])
        {
            var label = condition.Type == "Ready" ? condition.Status ? "Ready" : "Not ready"
                : Holds(condition) ? null
                : condition.Type is "Reconciling" or "Stalled" ? condition.Type : condition.Type + "=False";
            if (label is not null)
            {
                readme.Append("- **").Append(label).Append("** since ").Append(When(condition.Since)).Append(" (").Append(Markdown.Text(condition.Reason)).Append(')')
                    .Append(condition.Message.Length == 0 ? string.Empty : ": " + Markdown.Text(condition.Message, 300)).Append('\n');
            }
        }

        readme.Append("\n| Revision | Commit |\n|---|---|\n")
            .Append("| fetched | ").Append(Revision(status?.FetchedRevision)).Append(" |\n")
            .Append("| rendered | ").Append(Revision(status?.RenderedRevision)).Append(" |\n")
            .Append("| applied | ").Append(Revision(status?.AppliedRevision)).Append(" |\n\n");
        if (status is { Errors.Length: > 0 } rejected)
        {
            readme.Append("## Errors in revision ").Append(Revision(rejected.FetchedRevision)).Append("\n\nNothing of it is applied; what runs stays as it was.\n\n");
            foreach (var error in rejected.Errors.Take(Markdown.Rows))
            {
                // An indented code block shows any text as it is: nothing to escape.
                foreach (var line in error.Split('\n'))
                {
                    readme.Append("    ").Append(line.TrimEnd('\r')).Append('\n');
                }
            }

            readme.Append(rejected.Errors.Length > Markdown.Rows ? $"\n{rejected.Errors.Length - Markdown.Rows} more in {Markdown.Link("status/fleet.yaml", "status/fleet.yaml")}.\n\n" : "\n");
        }

        if (map)
        {
            Map(readme, bars: true);
        }
    }

    private static void Map(StringBuilder readme, bool bars) =>
        readme.Append(bars
                ? "![Capacity map: the hosts by site, each VM a block as wide as its memory, coloured and lettered by its state]("
                : "![Capacity map: a row per site, a square per host, coloured and lettered by the state of its VMs that is worst](")
            .Append(CapacityMap.Path).Append(")\n\n");

    private static void Clusters(StringBuilder readme, List<ClusterStatusDocument> clusters)
    {
        readme.Append("## Clusters\n\n").Append(Count(clusters.Count, "cluster"));
        readme.Append(clusters.Count == 0 ? ".\n\n" : ": " + string.Join(", ", clusters.GroupBy(c => c.Phase).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{Count(g.Count())} {g.Key}")) + ".\n\n");
        if (clusters.Count == 0)
        {
            return;
        }

        var listed = Listed(readme, clusters, c => c.Phase switch { "Ready" or "Suspended" => -1, "Degraded" => 0, "Unknown" => 1, _ => 2 }, "cluster", "not Ready", "status/clusters");
        Markdown.Table(readme, ["Cluster", "Phase", "Nodes running", "Kubernetes Ready", "Conditions that do not hold"], listed.Select(c =>
        {
            var asked = c.Nodes.Count(n => n.Kubernetes is not null);
            return new[]
            {
                Markdown.Link(c.Name, $"status/clusters/{c.Name}.yaml"),
                Markdown.Text(c.Phase),
                $"{c.ReadyNodes}/{c.Nodes.Length}",
                asked == 0 ? string.Empty : $"{c.Nodes.Count(n => n.Kubernetes == "Ready")}/{asked}",
                Unheld(c.Conditions),
            };
        }).ToList());
    }

    private static void Hosts(StringBuilder readme, List<HostStatusDocument> hosts)
    {
        var answered = hosts.Count(h => h.Reachable);
        readme.Append("## Hosts\n\n").Append(Count(hosts.Count, "host"))
            .Append(hosts.Count == 0 ? ".\n\n" : $": {Count(answered)} answered{(answered == hosts.Count ? string.Empty : $", {Count(hosts.Count - answered)} did not")}.\n\n");
        if (hosts.Count == 0)
        {
            return;
        }

        var listed = Listed(readme, hosts, h => !h.Reachable ? 0 : h.Vms.Any(v => v.State == "Failed") ? 1 : h.Vms.Any(v => v.State != "Running") || h.Conditions.Any(c => !c.Status) ? 2 : -1, "host", "in trouble", "status/hosts");
        Markdown.Table(readme, ["Host", "Reachable", "vCPU", "Memory GiB", "VMs", "Conditions that do not hold"], listed.Select(h => new[]
        {
            Markdown.Link(h.Name, $"status/hosts/{h.Name}.yaml"),
            h.Reachable ? "yes" : Markdown.Text(ShortText.Reason(h.Error)),
            $"{h.Allocated.Cpu}/{h.Capacity.Cpu}",
            $"{SvgText.Gib(h.Allocated.MemoryMiB)}/{SvgText.Gib(h.Capacity.MemoryMiB)}",
            h.Vms.IsEmpty ? string.Empty : $"{h.Vms.Length}: " + string.Join(", ", h.Vms.GroupBy(v => v.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {Markdown.Text(g.Key)}")),
            Unheld(h.Conditions),
        }).ToList());
    }

    private static void Failing(StringBuilder readme, List<ClusterStatusDocument> clusters, List<HostStatusDocument> hosts)
    {
        readme.Append("## Failing\n\n");
        var down = hosts.Where(h => !h.Reachable).ToList();
        var nodes = new List<(string Cluster, NodeStatus Node)>();
        foreach (var cluster in clusters)
        {
            foreach (var node in cluster.Nodes)
            {
                if (node.State == "Failed" || (node.State is "Running" or "Ready" && node.Kubernetes is not null and not "Ready"))
                {
                    nodes.Add((cluster.Name, node));
                }
            }
        }

        if (down.Count == 0 && nodes.Count == 0)
        {
            readme.Append("Nothing: every host answered, and no node failed or is not Ready in Kubernetes.\n\n");
            return;
        }

        if (down.Count > 0)
        {
            var unknown = clusters.SelectMany(c => c.Nodes).Where(n => n.State == "Unknown" && n.Host is not null).ToLookup(n => n.Host!, StringComparer.Ordinal);
            readme.Append("### Hosts that did not answer\n\n");
            Markdown.Table(readme, ["Host", "Why", "Its nodes, state unknown"], down.Take(Markdown.Rows).Select(h => new[]
            {
                Markdown.Link(h.Name, $"status/hosts/{h.Name}.yaml"),
                Markdown.Text(ShortText.Reason(h.Error)),
                unknown[h.Name].Any() ? $"{unknown[h.Name].Count()}: " + Markdown.Text(string.Join(", ", unknown[h.Name].Take(5).Select(n => n.Name)) + (unknown[h.Name].Count() > 5 ? ", …" : string.Empty)) : string.Empty,
            }).ToList());
            More(readme, down.Count, "host");
        }

        if (nodes.Count > 0)
        {
            readme.Append("### Nodes\n\n");
            Markdown.Table(readme, ["Node", "Cluster", "Host", "State", "Kubernetes", "Why"], nodes.Take(Markdown.Rows).Select(x => new[]
            {
                Markdown.Text(x.Node.Name),
                Markdown.Link(x.Cluster, $"status/clusters/{x.Cluster}.yaml"),
                Markdown.Text(x.Node.Host),
                Markdown.Text(x.Node.State),
                Markdown.Text(x.Node.Kubernetes),
                x.Node.Reason is { Length: > 0 } reason ? Markdown.Text(reason, 100) : x.Node.State == "Failed" ? "no reason recorded" : $"its Kubernetes node is {Markdown.Text(x.Node.Kubernetes)}",
            }).ToList());
            More(readme, nodes.Count, "node");
        }
    }

    /// <summary>
    /// The rows a table lists: all of them, or when there are too many, those in trouble (<paramref name="trouble"/> 0
    /// or more), the worst first, and a line saying so.
    /// </summary>
    private static List<T> Listed<T>(StringBuilder readme, List<T> all, Func<T, int> trouble, string noun, string words, string folder)
    {
        if (all.Count <= Markdown.Rows)
        {
            return all;
        }

        var troubled = all.Select(item => (Item: item, Rank: trouble(item))).Where(x => x.Rank >= 0).OrderBy(x => x.Rank).Select(x => x.Item).ToList(); // stable: by name within a rank
        readme.Append(troubled.Count == 0 ? $"None is {words}, so none is listed here; every {noun} is in "
                : $"Listed: the {Count(troubled.Count, noun)} {words}{(troubled.Count > Markdown.Rows ? $" (the first {Markdown.Rows}, the worst first)" : string.Empty)}; every {noun} is in ")
            .Append(Markdown.Link(folder + "/", folder)).Append(".\n\n");
        return [.. troubled.Take(Markdown.Rows)];
    }

    private static void More(StringBuilder readme, int count, string noun)
    {
        if (count > Markdown.Rows)
        {
            readme.Append($"And {Count(count - Markdown.Rows, noun)} more.\n\n");
        }
    }

    /// <summary>The items in name order: as they come when they are (the status documents are, as read and as composed), else sorted.</summary>
    private static List<T> Sorted<T>(IEnumerable<T> items, Func<T, string> name)
    {
        var list = items.ToList();
        for (var i = 1; i < list.Count; i++)
        {
            if (string.CompareOrdinal(name(list[i - 1]), name(list[i])) > 0)
            {
                return [.. list.OrderBy(name, StringComparer.Ordinal)];
            }
        }

        return list;
    }

    /// <summary>A condition holds when Ready (or any other) is True, and when Reconciling or Stalled is False.</summary>
    private static bool Holds(Condition condition) => condition.Type is "Reconciling" or "Stalled" ? !condition.Status : condition.Status;

    private static string Unheld(IEnumerable<Condition> conditions) =>
        string.Join("; ", conditions.Where(c => !Holds(c)).Select(c => Markdown.Text($"{c.Type}={(c.Status ? "True" : "False")} {c.Reason}{(c.Message.Length == 0 ? string.Empty : ": " + c.Message)}", 200)));

    private static string Revision(string? revision) => revision is null ? "none" : $"`{revision.Replace('`', '\'').Replace("|", "\\|", StringComparison.Ordinal)}`";

    private static string When(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Count(int count, string? noun = null) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + (noun is null ? string.Empty : " " + noun + (count == 1 ? string.Empty : "s"));
}
