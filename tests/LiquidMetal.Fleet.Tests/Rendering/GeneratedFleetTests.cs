using LiquidMetal.Bench;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Fleet.Tests.Rendering;

/// <summary>The benchmark's generated fleets go through the real loader: valid, placeable, reproducible.</summary>
public class GeneratedFleetTests
{
    private static List<FleetFile> Files(int hosts, int seed = 1) =>
        [.. FleetGenerator.Generate(hosts, seed).Select(f => new FleetFile(f.Key, System.Text.Encoding.UTF8.GetBytes(f.Value)))];

    [Fact]
    public void Compile_Generated100Hosts_ValidAndAbout20MicrovmsPerHost()
    {
        var compiled = FleetCompiler.Compile(Files(100));

        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics.Take(10)));
        Assert.Equal(100, compiled.Hosts.Length);
        Assert.Equal(200, compiled.Fleet!.Clusters.Length);
        Assert.InRange(compiled.Hosts.Sum(h => h.Microvms.Length), 1800, 2200);
    }

    [Fact]
    public void Compile_ValidFleet_ReadsNoFilesLocations()
    {
        // Locations cost a second parse of the file: a valid fleet has nothing to point at, so it must never pay for them.
        var compiled = FleetCompiler.Compile(Files(60));

        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics.Take(10)));
        Assert.Equal(0, compiled.Fleet!.Sources.LocatedFiles);
    }

    [Fact]
    public void Compile_SameFilesTwice_ByteIdenticalOutput()
    {
        var first = FleetCompiler.Compile(Files(60)).Hosts.Select(RenderedHostYaml.Write).ToList();
        var second = FleetCompiler.Compile(Files(60)).Hosts.Select(RenderedHostYaml.Write).ToList();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Compile_WithPreviousFromItsOwnRender_ChangesNothing()
    {
        var first = FleetCompiler.Compile(Files(60));
        var again = FleetCompiler.Compile(Files(60), RenderedDirectory.PlacementOf(first.Hosts));

        Assert.Equal(first.Hosts.Select(h => h.SpecHash), again.Hosts.Select(h => h.SpecHash));
    }
}
