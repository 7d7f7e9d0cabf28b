using System.Globalization;
using System.Text;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// The capacity map of a large fleet: a row per site, with a square per host (<see cref="WriteCells"/>) or, for the
/// largest fleets, one bar of the site's VMs by state (<see cref="WriteSummaries"/>).
/// </summary>
internal static class SiteRows
{
    private const int NameX = CapacityMap.Margin;
    private const int NameWidth = 130;
    private const int CellsX = NameX + NameWidth + 10;
    private const int Pitch = 16;
    private const int Cell = 14;
    private const int CellsPerLine = 28;
    private const int SummaryX = CellsX + CellsPerLine * Pitch + 12;
    private const int SummaryWidth = CapacityMap.Width - CapacityMap.Margin - SummaryX;

    // Worst first: the state a host's square shows when its VMs differ.
    private static readonly MapState[] Worst = [MapState.Failed, MapState.Unknown, MapState.NotReady, MapState.Pending, MapState.Running];

    // Running first: the order of a site's bar and of a host's counts.
    private static readonly MapState[] Calm = [.. Enumerable.Reverse(Worst)];

    public static int WriteCells(StringBuilder svg, IReadOnlyList<MapSite> sites, int y)
    {
        // A host's square drawn once, and once for each height a running host's fill can have, then used by reference:
        // most of a large fleet's hosts are running, and a thousand squares drawn out were most of the map's bytes.
        svg.Append(CultureInfo.InvariantCulture, $"<defs><rect id=\"cell\" class=\"free\" width=\"{Cell}\" height=\"{Cell}\"/><rect id=\"cell-down\" class=\"free down\" width=\"{Cell}\" height=\"{Cell}\"/>\n");
        for (var fill = 1; fill <= Cell; fill++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<g id=\"ok{fill}\"><use href=\"#cell\"/><rect class=\"r\" y=\"{Cell - fill}\" width=\"{Cell}\" height=\"{fill}\"/></g>\n");
        }

        svg.Append("</defs>\n");
        foreach (var site in sites)
        {
            y = Row(svg, site, y + 6, out var top);
            for (var i = 0; i < site.Hosts.Length; i++)
            {
                HostCell(svg, site.Hosts[i], CellsX + i % CellsPerLine * Pitch, top + i / CellsPerLine * Pitch);
            }

            svg.Append("</g>\n");
            y = top + Math.Max(1, (site.Hosts.Length + CellsPerLine - 1) / CellsPerLine) * Pitch;
        }

        return y;
    }

    public static int WriteSummaries(StringBuilder svg, IReadOnlyList<MapSite> sites, int y)
    {
        const int barWidth = CellsPerLine * Pitch - 2;
        foreach (var site in sites)
        {
            y = Row(svg, site, y + 6, out var top);
            var counts = Counts(site.Hosts);
            var total = Math.Max(1, counts.Sum());
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"free\" x=\"{CellsX}\" y=\"{top}\" width=\"{barWidth}\" height=\"{Cell}\"/>");
            var sum = 0;
            foreach (var state in Calm)
            {
                var from = CellsX + sum * barWidth / total;
                sum += counts[(int)state];
                var to = CellsX + sum * barWidth / total;
                if (to > from)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{CapacityMap.Style(state).Class}\" x=\"{from}\" y=\"{top}\" width=\"{to - from}\" height=\"{Cell}\"/>");
                }
            }

            svg.Append("\n</g>\n");
            y = top + Pitch;
        }

        return y;
    }

    /// <summary>Opens a site's group: its title, its name and its summary; <paramref name="top"/> is where its squares or bar start.</summary>
    private static int Row(StringBuilder svg, MapSite site, int y, out int top)
    {
        var counts = Counts(site.Hosts);
        var down = site.Hosts.Count(h => !h.Reachable);
        var vms = counts.Sum(); // VMs and metal claims
        var trouble = string.Join(", ", Worst.Where(s => s != MapState.Running && counts[(int)s] > 0).Select(s => $"{SvgText.Count(counts[(int)s])} {CapacityMap.Style(s).Letter}"));
        var summary = $"{CapacityMap.Noun(vms, "node")}{(trouble.Length == 0 ? vms == 0 ? string.Empty : ", all running" : ", " + trouble)}{(down == 0 ? string.Empty : $", {SvgText.Count(down)} down")}";
        var placed = site.Hosts.Aggregate(Resources.Zero, (sum, h) => sum + h.Placed);
        var allocatable = site.Hosts.Aggregate(Resources.Zero, (sum, h) => sum + h.Allocatable);
        var title = $"{site.Kind} {site.Name}: {CapacityMap.Noun(site.Hosts.Length, "host")}, {summary}; {placed.Cpu}/{allocatable.Cpu} vCPU, {SvgText.Gib(placed.MemoryMiB)}/{SvgText.Gib(allocatable.MemoryMiB)} GiB placed";
        top = y;
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"site\"><title>{SvgText.Escape(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"b\" x=\"{NameX}\" y=\"{y + 11}\">{SvgText.Escape(ShortText.Cut(site.Name, SvgText.Fit11(NameWidth)))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"{(trouble.Length == 0 && down == 0 ? "m" : "w")}\" x=\"{SummaryX}\" y=\"{y + 11}\">{SvgText.Escape(ShortText.Cut($"{CapacityMap.Noun(site.Hosts.Length, "host")}: {summary}", SvgText.Fit11(SummaryWidth)))}</text>\n");
        return y;
    }

    // Written piece by piece into the map, not as strings first: there are a thousand of these.
    private static void HostCell(StringBuilder svg, MapHost host, int x, int y)
    {
        var counts = host.Tally.States;
        var worst = MapState.Running;
        foreach (var state in Worst)
        {
            if (counts[(int)state] > 0)
            {
                worst = state;
                break;
            }
        }

        var placed = host.Placed;
        var fill = host.Metal is not null ? Cell : placed.MemoryMiB > 0 ? (int)Math.Clamp(placed.MemoryMiB * Cell / Math.Max(1, host.Allocatable.MemoryMiB), 2, Cell) : 0;
        if (host.Reachable && worst == MapState.Running && host.Failing.IsEmpty)
        {
            // A running host: its square filled as far as its memory is placed, and its name.
            svg.Append(CultureInfo.InvariantCulture, $"<use class=\"host\" href=\"#{(fill == 0 ? "cell" : "ok" + fill.ToString(CultureInfo.InvariantCulture))}\" x=\"{x}\" y=\"{y}\"><title>").AppendEscaped(host.Name).Append("</title></use>\n");
            return;
        }

        svg.Append("<g class=\"host\" data-host=\"").AppendEscaped(host.Name).Append("\"><title>").AppendEscaped(host.Name).Append(": ");
        if (host.Metal is { } metal)
        {
            svg.Append("metal ").AppendEscaped(metal.Id).Append(", ").AppendEscaped(metal.State);
        }
        else
        {
            svg.Append(CultureInfo.InvariantCulture, $"{host.Tally.Vms:N0} VM{(host.Tally.Vms == 1 ? string.Empty : "s")}");
            if (host.Tally.Vms > 0 && counts[(int)MapState.Running] == host.Tally.Vms)
            {
                svg.Append(" running");
            }
            else if (host.Tally.Nodes > 0)
            {
                var separator = " (";
                foreach (var state in Calm.Where(s => counts[(int)s] > 0))
                {
                    svg.Append(CultureInfo.InvariantCulture, $"{separator}{counts[(int)state]:N0} {CapacityMap.Word(state)}");
                    separator = ", ";
                }

                svg.Append(')');
            }

            svg.Append(CultureInfo.InvariantCulture, $"; {placed.Cpu}/{host.Allocatable.Cpu} vCPU, {placed.MemoryMiB / 1024.0:0.#}/{host.Allocatable.MemoryMiB / 1024.0:0.#} GiB");
        }

        if (!host.Reachable)
        {
            svg.Append("; ").AppendEscaped(ShortText.Reason(host.Error));
        }

        foreach (var failing in host.Failing)
        {
            svg.Append("; ").AppendEscaped(failing);
        }

        svg.Append(CultureInfo.InvariantCulture, $"</title><use href=\"#{(host.Reachable ? "cell" : "cell-down")}\" x=\"{x}\" y=\"{y}\"/>");
        var (css, letter) = CapacityMap.Style(host.Reachable ? worst : MapState.Unknown);
        if (letter.Length > 0)
        {
            // A host in trouble is a whole square of its state, lettered: trouble counts more than how full it is.
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{css}\" x=\"{x}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\"/><text class=\"l\" x=\"{x + 4}\" y=\"{y + 11}\">{letter}</text>");
        }
        else if (fill > 0)
        {
            // Running, but with a condition that does not hold: its fill, and the condition in its title.
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{css}\" x=\"{x}\" y=\"{y + Cell - fill}\" width=\"{Cell}\" height=\"{fill}\"/>");
        }

        svg.Append("</g>\n");
    }

    /// <summary>The nodes of these hosts by state, indexed by <see cref="MapState"/>.</summary>
    private static int[] Counts(IEnumerable<MapHost> hosts)
    {
        var counts = new int[Worst.Length];
        foreach (var host in hosts)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] += host.Tally.States[i];
            }
        }

        return counts;
    }
}
