using BenchmarkDotNet.Attributes;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;

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
    private List<(string Kind, string Path, string Text, JToken Tree)> _documents = null!;

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
        _documents = [.. _files.Select(f =>
        {
            var text = System.Text.Encoding.UTF8.GetString(f.Content);
            return (FleetLoader.KindOf(f.Path)!, f.Path, text, YamlTree.Parse(f.Path, text, [], keepLocations: false).Root!);
        })];
    }

    // The floor under LoadAndValidate: what the two standard parts it rests on cost by themselves, one thread.

    /// <summary>YamlDotNet's parser alone over every file: events read, nothing built.</summary>
    [Benchmark]
    public int YamlDotNetEventsOnly()
    {
        var events = 0;
        foreach (var (_, _, text, _) in _documents)
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                events++;
            }
        }

        return events;
    }

    /// <summary>Every file into the tree the loader validates and maps (YamlDotNet's events into JObjects).</summary>
    [Benchmark]
    public int YamlTreesOnly()
    {
        var nodes = 0;
        foreach (var (_, path, text, _) in _documents)
        {
            nodes += YamlTree.Parse(path, text, [], keepLocations: false).Root is JObject root ? root.Count : 0;
        }

        return nodes;
    }

    /// <summary>NJsonSchema's validator alone over every parsed file, against its kind's schema.</summary>
    [Benchmark]
    public int SchemaValidationOnly()
    {
        var validator = new NJsonSchema.Validation.JsonSchemaValidator();
        var errors = 0;
        foreach (var (kind, _, _, tree) in _documents)
        {
            errors += validator.Validate(tree, FleetSchemas.For(kind)).Count;
        }

        return errors;
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
