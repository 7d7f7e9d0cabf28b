using BenchmarkDotNet.Attributes;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Bench.Micro;

/// <summary>
/// The fleet core's stages on the 1,000-host fleet `make bench` renders end to end, one stage per benchmark:
/// each starts from the previous stage's output, made once in the setup.
/// </summary>
[MemoryDiagnoser]
public class FleetCoreBenchmarks
{
    private List<FleetFile> _files = null!;
    private FleetDefinition _fleet = null!;
    private PlacementResult _placement = null!;
    private Dictionary<string, PlacedNode> _previous = null!;
    private List<RenderedHost> _rendered = null!;

    [Params(1000)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _files = BenchFleets.Files(Hosts);
        var loaded = FleetLoader.Load(_files);
        _fleet = loaded.Fleet ?? throw new InvalidOperationException("the generated fleet does not load: " + string.Join("; ", loaded.Diagnostics));
        _placement = Placer.Place(_fleet);
        if (!_placement.Succeeded)
        {
            throw new InvalidOperationException("the generated fleet does not place: " + string.Join("; ", _placement.Diagnostics));
        }

        _rendered = [.. Renderer.Render(_fleet, _placement)];
        _previous = RenderedDirectory.PlacementOf(_rendered);
    }

    /// <summary>Parse every file (YAML), check it against its schema, map it and run the semantic checks.</summary>
    [Benchmark]
    public FleetLoadResult LoadAndValidate() => FleetLoader.Load(_files);

    /// <summary>Placement from nothing (a new fleet, or `render` without --previous).</summary>
    [Benchmark]
    public PlacementResult Place() => Placer.Place(_fleet);

    /// <summary>Placement from the last one (every reconcile pass): every node stays where it is.</summary>
    [Benchmark]
    public PlacementResult PlaceFromPrevious() => Placer.Place(_fleet, _previous);

    /// <summary>Per-host specs from a placement: templates, MACs, hashes.</summary>
    [Benchmark]
    public int Render() => Renderer.Render(_fleet, _placement).Length;

    /// <summary>The rendered hosts as YAML text (rendered/hosts/*.yaml), without the disk.</summary>
    [Benchmark]
    public long WriteRenderedYaml()
    {
        long characters = 0;
        foreach (var host in _rendered)
        {
            characters += RenderedHostYaml.Write(host).Length;
        }

        return characters;
    }
}
