using System.Text;
using LiquidMetal.Fleet.Loading;

namespace LiquidMetal.Bench.Micro;

/// <summary>The generated fleets the benchmarks start from, as in-memory files (no disk in any measurement).</summary>
internal static class BenchFleets
{
    public static List<FleetFile> Files(int hosts) =>
        [.. FleetGenerator.Generate(hosts).Select(file => new FleetFile(file.Key, Encoding.UTF8.GetBytes(file.Value)))];
}
