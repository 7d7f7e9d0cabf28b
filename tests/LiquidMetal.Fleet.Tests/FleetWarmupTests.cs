using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests;

/// <summary>The warm-up a one-shot command starts: the example fleet, embedded whole, taken through every stage.</summary>
public sealed class FleetWarmupTests
{
    [Fact]
    public void Files_AreTheExampleFleetsFilesByteForByte()
    {
        var example = FleetFiles.Example();
        var embedded = FleetWarmup.Files();

        Assert.Equal(example.Paths.Order(StringComparer.Ordinal), embedded.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.All(embedded, file => Assert.Equal(example.Bytes(file.Path), file.Content));
    }

    [Fact]
    public void Run_RendersEveryMicrovmOfTheExampleFleet()
    {
        // A warm-up that met an error would warm only the error's path: it must go all the way to the YAML.
        var expected = FleetCompiler.Compile(FleetFiles.ExampleDirectory).Hosts.Sum(h => h.Microvms.Length);

        Assert.True(expected > 0);
        Assert.Equal(expected, FleetWarmup.Run());
    }
}
