using System.Globalization;
using System.Text;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// status/capacity.svg: the hosts by site and what runs on them, for the status README (Git web UIs show an SVG the
/// README links relatively). Up to <see cref="BarsUpTo"/> hosts, each host is a bar as wide as its memory and each VM a
/// labelled block as wide as its memory; up to <see cref="CellsUpTo"/>, each site is a row with a square per host; beyond,
/// a row per site sums up its VMs. States are colours and letters both; title and desc say it all in words. The same
/// input gives the same bytes (a status commit is made only when bytes change).
/// </summary>
public static class CapacityMap
{
    public const string Path = "status/capacity.svg";

    /// <summary>The most hosts drawn as bars, each VM a block.</summary>
    public const int BarsUpTo = 50;

    /// <summary>The most hosts drawn as a square each; beyond, a site is one row.</summary>
    public const int CellsUpTo = 2_000;

    internal const int Width = 880;
    internal const int Margin = 16;

    private const int Top = 84;

    private static readonly (MapState State, string Word)[] Words =
    [
        (MapState.Running, "running"),
        (MapState.Pending, "pending"),
        (MapState.NotReady, "not Ready in Kubernetes"),
        (MapState.Failed, "failed"),
        (MapState.Unknown, "unknown: host did not answer"),
    ];

    /// <summary>The map as text.</summary>
    public static string Write(string? fleet, IReadOnlyList<MapSite> sites) => Build(fleet, sites).ToString();

    /// <summary>
    /// The map, in a builder of small chunks: a large fleet's map is hundreds of kilobytes, and the caller encodes it
    /// chunk by chunk (<see cref="WrittenDocuments.Same(string, StringBuilder)"/>) rather than make it one large string.
    /// </summary>
    public static StringBuilder Build(string? fleet, IReadOnlyList<MapSite> sites)
    {
        var hosts = sites.Sum(s => s.Hosts.Length);
        // The hosts first (how tall they are goes in the header), the header then put before them: one builder, no copy.
        var svg = new StringBuilder();
        var bars = hosts <= BarsUpTo;
        var height = bars ? HostBars.Write(svg, sites, Top)
            : hosts <= CellsUpTo ? SiteRows.WriteCells(svg, sites, Top)
            : SiteRows.WriteSummaries(svg, sites, Top);
        height += Margin;

        var counts = new int[Words.Length];
        foreach (var host in sites.SelectMany(s => s.Hosts))
        {
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] += host.Tally.States[i];
            }
        }

        var down = sites.SelectMany(s => s.Hosts).Where(h => !h.Reachable).Select(h => h.Name).ToList();
        var title = fleet is null ? "Capacity map" : $"Capacity map of fleet {fleet}";
        var summary = $"{Noun(hosts, "host")} in {Noun(sites.Count, sites.Select(s => s.Kind).Distinct().Count() == 1 ? sites[0].Kind : "group")}, {Noun(counts.Sum(), "node")}"
            + (counts.Sum() == 0 ? string.Empty : ": " + string.Join(", ", Words.Where(w => counts[(int)w.State] > 0).Select(w => $"{SvgText.Count(counts[(int)w.State])} {Word(w.State)}")))
            + (down.Count == 0 ? string.Empty : $"; {Noun(down.Count, "host")} did not answer");
        var how = bars
            ? "Each host is a bar as wide as its memory, grey at its end what it keeps for itself; each VM a block as wide as its memory."
            : hosts <= CellsUpTo
                ? "Each site is a row with a square per host, filled as far as its memory is placed, its colour and letter the state of its VMs that is worst."
                : "Each site is a row: a bar of its VMs by state, and how many of its hosts did not answer.";
        var desc = $"{summary}{(down.Count == 0 ? string.Empty : ": " + string.Join(", ", down.Take(10)) + (down.Count > 10 ? $" and {SvgText.Count(down.Count - 10)} more" : string.Empty))}. {how} Letters: P pending, N not Ready in Kubernetes, F failed, U unknown.";

        var header = new StringBuilder();
        header.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-labelledby=\"map-title map-desc\">\n");
        header.Append("<title id=\"map-title\">").Append(SvgText.Escape(title)).Append("</title>\n");
        header.Append("<desc id=\"map-desc\">").Append(SvgText.Escape(desc)).Append("</desc>\n");
        header.Append("""
            <style>
            text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:11px;fill:#1f2328}
            .t{font-size:14px;font-weight:bold}.b{font-weight:bold}.m{fill:#59636e}.w{fill:#d1242f}
            .l{font-size:10px;fill:#fff}.c{font-size:10px;fill:#59636e}
            .free{fill:#f6f8fa;stroke:#8c959f}.down{stroke:#d1242f;stroke-dasharray:4 3}.res{fill:#d1d9e0}.cap{stroke:#d1242f;stroke-width:2}
            .r{fill:#1a7f37}.p{fill:#0969da}.n{fill:#9a6700}.f{fill:#cf222e}.u{fill:#6e7781}.vm rect{stroke:#fff}
            </style>

            """);
        header.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"#fff\"/>\n");
        header.Append(CultureInfo.InvariantCulture, $"<text class=\"t\" x=\"{Margin}\" y=\"24\">{SvgText.Escape(title)}</text>\n");
        header.Append(CultureInfo.InvariantCulture, $"<text class=\"m\" x=\"{Margin}\" y=\"44\">{SvgText.Escape(SvgText.Fit11(Width - 2 * Margin) is var room && summary.Length > room ? ShortText.Cut(summary, room) : summary)}</text>\n");
        Legend(header, bars);
        svg.Insert(0, header.ToString());
        svg.Append("</svg>\n");
        return svg;
    }

    /// <summary>The class that colours a state, and the letter that says it (none for running).</summary>
    internal static (string Class, string Letter) Style(MapState state) => state switch
    {
        MapState.Running => ("r", string.Empty),
        MapState.Pending => ("p", "P"),
        MapState.NotReady => ("n", "N"),
        MapState.Failed => ("f", "F"),
        _ => ("u", "U"),
    };

    /// <summary>A state in a word or two: "running", "not ready".</summary>
    internal static string Word(MapState state) => state == MapState.NotReady ? "not ready" : state.ToString().ToLowerInvariant();

    /// <summary>"1 host", "1,000 hosts".</summary>
    internal static string Noun(int count, string noun) => $"{SvgText.Count(count)} {noun}{(count == 1 ? string.Empty : "s")}";

    private static void Legend(StringBuilder svg, bool bars)
    {
        var x = Margin;
        const int y = 56;
        svg.Append("<g class=\"legend\">\n");
        foreach (var (state, word) in Words)
        {
            var (css, letter) = Style(state);
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{css}\" x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\"/>");
            if (letter.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text class=\"l\" x=\"{x + 4}\" y=\"{y + 11}\">{letter}</text>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 18}\" y=\"{y + 11}\">{SvgText.Escape(word)}</text>\n");
            x += 18 + SvgText.Width11(word.Length) + 14;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"free\" x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\"/><text x=\"{x + 18}\" y=\"{y + 11}\">free</text>\n");
        if (bars)
        {
            x += 18 + SvgText.Width11(4) + 14;
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"res\" x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\"/><text x=\"{x + 18}\" y=\"{y + 11}\">reserved</text>\n");
        }

        svg.Append("</g>\n");
    }
}
