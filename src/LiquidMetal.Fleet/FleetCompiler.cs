using System.Collections.Immutable;
using System.Diagnostics;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Fleet;

/// <summary>A fleet taken through load, validation, placement and rendering, or the problems that stopped it.</summary>
public sealed record CompiledFleet(
    FleetDefinition? Fleet,
    PlacementResult? Placement,
    ImmutableArray<RenderedHost> Hosts,
    ImmutableArray<Diagnostic> Diagnostics,
    CompileTimings Timings)
{
    public bool Succeeded => Diagnostics.IsEmpty && Fleet is not null;
}

/// <summary>How long each stage took (for --stats and the benchmark).</summary>
public sealed record CompileTimings(TimeSpan Load, TimeSpan Place, TimeSpan Render);

/// <summary>The one path from fleet files to rendered hosts, shared by validate, render, plan and the reconciler.</summary>
public static class FleetCompiler
{
    public static CompiledFleet Compile(string directory, IReadOnlyDictionary<string, PlacedNode>? previous = null) =>
        Compile(() => FleetLoader.LoadDirectory(directory), previous);

    /// <summary>
    /// Loads, validates and places, and stops before rendering (<see cref="CompiledFleet.Hosts"/> is empty): for a caller
    /// that renders host by host through <see cref="Renderer.Prepare"/>.
    /// </summary>
    public static CompiledFleet Place(string directory, IReadOnlyDictionary<string, PlacedNode>? previous = null) =>
        Compile(() => FleetLoader.LoadDirectory(directory), previous, rendered: null, render: false);

    /// <param name="cache">Parses only the files whose bytes changed since the last compile through the same cache.</param>
    /// <param name="rendered">Renders only the hosts whose inputs changed since the last compile through the same cache.</param>
    public static CompiledFleet Compile(IReadOnlyList<FleetFile> files, IReadOnlyDictionary<string, PlacedNode>? previous = null, ParseCache? cache = null, RenderCache? rendered = null) =>
        Compile(() => FleetLoader.Load(files, cache), previous, rendered);

    private static CompiledFleet Compile(Func<FleetLoadResult> load, IReadOnlyDictionary<string, PlacedNode>? previous, RenderCache? rendered = null, bool render = true)
    {
        var clock = Stopwatch.StartNew();
        var loaded = load();
        var loadTime = clock.Elapsed;
        if (!loaded.IsValid)
        {
            return new CompiledFleet(null, null, [], loaded.Diagnostics, new CompileTimings(loadTime, TimeSpan.Zero, TimeSpan.Zero));
        }

        var fleet = loaded.Fleet!;
        clock.Restart();
        var placement = Placer.Place(fleet, previous);
        var placeTime = clock.Elapsed;
        if (!placement.Succeeded)
        {
            return new CompiledFleet(fleet, placement, [], placement.Diagnostics, new CompileTimings(loadTime, placeTime, TimeSpan.Zero));
        }

        if (!render)
        {
            return new CompiledFleet(fleet, placement, [], [], new CompileTimings(loadTime, placeTime, TimeSpan.Zero));
        }

        clock.Restart();
        var hosts = Renderer.Render(fleet, placement, rendered);
        return new CompiledFleet(fleet, placement, hosts, [], new CompileTimings(loadTime, placeTime, clock.Elapsed));
    }
}
