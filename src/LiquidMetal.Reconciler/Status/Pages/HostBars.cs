using System.Globalization;
using System.Text;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>The capacity map of a small fleet: per site, a bar per host as wide as its memory, a block per VM in it.</summary>
internal static class HostBars
{
    private const int BarWidth = CapacityMap.Width - 2 * CapacityMap.Margin;
    private const int BarHeight = 22;
    private const int ClusterLine = 12;
    private const int X = CapacityMap.Margin;

    /// <summary>Writes the sites from <paramref name="y"/> down; returns where they end.</summary>
    public static int Write(StringBuilder svg, IReadOnlyList<MapSite> sites, int y)
    {
        foreach (var site in sites)
        {
            var placed = site.Hosts.Aggregate(Resources.Zero, (sum, h) => sum + h.Placed);
            var allocatable = site.Hosts.Aggregate(Resources.Zero, (sum, h) => sum + h.Allocatable);
            y += 22;
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"site\"><text x=\"{X}\" y=\"{y}\"><tspan class=\"b\">{site.Kind} {SvgText.Escape(site.Name)}</tspan>");
            svg.Append(CultureInfo.InvariantCulture, $"<tspan class=\"m\"> {CapacityMap.Noun(site.Hosts.Length, "host")}, {placed.Cpu}/{allocatable.Cpu} vCPU, {SvgText.Gib(placed.MemoryMiB)}/{SvgText.Gib(allocatable.MemoryMiB)} GiB placed</tspan></text>\n");
            y += 8;
            foreach (var host in site.Hosts)
            {
                y = Host(svg, host, y);
            }

            svg.Append("</g>\n");
        }

        return y;
    }

    private static int Host(StringBuilder svg, MapHost host, int y)
    {
        var placed = host.Placed;
        var figures = host.Metal is { } claim
            ? $" metal: {claim.Id}, {claim.State}"
            : $" {placed.Cpu}/{host.Allocatable.Cpu} vCPU, {SvgText.Gib(placed.MemoryMiB)}/{SvgText.Gib(host.Allocatable.MemoryMiB)} GiB, {CapacityMap.Noun(host.Tally.Vms, "VM")}";
        var trouble = string.Join("; ", (host.Reachable ? [] : new[] { ShortText.Reason(host.Error) }).Concat(host.Failing));
        var room = SvgText.Fit11(BarWidth) - host.Name.Length - figures.Length - 2;
        y += 16;
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"host\" data-host=\"{SvgText.Escape(host.Name)}\"><text x=\"{X}\" y=\"{y}\"><tspan class=\"b\">{SvgText.Escape(host.Name)}</tspan><tspan class=\"m\">{SvgText.Escape(figures)}</tspan>");
        if (trouble.Length > 0 && room > 8)
        {
            svg.Append("<tspan class=\"w\">; ").Append(SvgText.Escape(ShortText.Cut(trouble, room))).Append("</tspan>");
        }

        svg.Append("</text>\n");
        y += 5;
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"free{(host.Reachable ? string.Empty : " down")}\" x=\"{X}\" y=\"{y}\" width=\"{BarWidth}\" height=\"{BarHeight}\"/>\n");
        if (host.Metal is { } metal)
        {
            Block(svg, metal, $"metal {metal.Id}", X, y, BarWidth);
        }
        else
        {
            // Memory decides the widths: it is never overcommitted, so the blocks always fit the host's bar.
            var scale = Math.Max(1, Math.Max(host.Capacity.MemoryMiB, placed.MemoryMiB));
            long sum = 0;
            var run = (Cluster: string.Empty, From: X, To: X);
            foreach (var vm in host.Vms)
            {
                var from = X + (int)(sum * BarWidth / scale);
                sum += vm.MemoryMiB;
                var to = X + (int)(sum * BarWidth / scale);
                Block(svg, vm, vm.Id, from, y, Math.Max(1, to - from));
                if (vm.Cluster != run.Cluster)
                {
                    ClusterName(svg, run, y);
                    run = (vm.Cluster, from, to);
                }

                run.To = to;
            }

            ClusterName(svg, run, y);

            var reserved = host.Capacity.MemoryMiB - host.Allocatable.MemoryMiB;
            if (reserved > 0 && host.Capacity.MemoryMiB >= placed.MemoryMiB)
            {
                var from = X + (int)((scale - reserved) * BarWidth / scale);
                svg.Append(CultureInfo.InvariantCulture, $"<g><title>kept for the host: {reserved.ToString(CultureInfo.InvariantCulture)} MiB</title><rect class=\"res\" x=\"{from}\" y=\"{y + 1}\" width=\"{X + BarWidth - from}\" height=\"{BarHeight - 2}\"/></g>\n");
            }

            if (host.Offered.MemoryMiB < host.Capacity.MemoryMiB)
            {
                var at = X + (int)(host.Offered.MemoryMiB * BarWidth / scale);
                svg.Append(CultureInfo.InvariantCulture, $"<g><title>its agent offers only {host.Offered.MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB of the {host.Capacity.MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB declared</title><line class=\"cap\" x1=\"{at}\" y1=\"{y - 3}\" x2=\"{at}\" y2=\"{y + BarHeight + 3}\"/></g>\n");
            }
        }

        svg.Append("</g>\n");
        return y + BarHeight + ClusterLine + 4;
    }

    /// <summary>Under a cluster's VMs on a host (they are side by side: ids begin with the cluster's name), the cluster's name as far as it fits.</summary>
    private static void ClusterName(StringBuilder svg, (string Cluster, int From, int To) run, int y)
    {
        var room = SvgText.Fit10(run.To - run.From - 2);
        if (run.Cluster.Length > 0 && room >= Math.Min(4, run.Cluster.Length))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"c\" x=\"{run.From + 2}\" y=\"{y + BarHeight + ClusterLine - 2}\">{SvgText.Escape(ShortText.Cut(run.Cluster, room))}</text>\n");
        }
    }

    /// <summary>A VM's block: its colour, and inside as much of "letter name" as fits (the letter before the name).</summary>
    private static void Block(StringBuilder svg, MapVm vm, string name, int x, int y, int width)
    {
        var (css, letter) = CapacityMap.Style(vm.Look);
        var size = vm.MemoryMiB > 0 ? $": {vm.Vcpu} vCPU, {SvgText.Gib(vm.MemoryMiB)} GiB" : string.Empty;
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"vm {css}\"><title>{SvgText.Escape($"{vm.Id} ({vm.Cluster}){size}, {vm.State}")}</title><rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{BarHeight}\"/>");
        var room = SvgText.Fit10(width - 6);
        var shortName = name.StartsWith(vm.Cluster + "-", StringComparison.Ordinal) ? name[(vm.Cluster.Length + 1)..] : name;
        var label = new[] { name, shortName }.Select(n => letter.Length == 0 ? n : $"{letter} {n}").Append(letter).FirstOrDefault(l => l.Length > 0 && l.Length <= room);
        if (label is not null)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"l\" x=\"{x + 3}\" y=\"{y + 15}\">{SvgText.Escape(label)}</text>");
        }

        svg.Append("</g>\n");
    }
}
