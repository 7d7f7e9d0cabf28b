using System.Text;
using LiquidMetal.Bench;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>A reconciler's loads through one <see cref="ParseCache"/>: only changed files are parsed, and the fleet is the one a fresh load gives.</summary>
public class ParseCacheTests
{
    private static List<FleetFile> Files(int hosts, FleetShape shape = FleetShape.Edge) =>
        [.. FleetGenerator.Generate(hosts, 1, shape).Select(f => new FleetFile(f.Key, Encoding.UTF8.GetBytes(f.Value)))];

    [Fact]
    public void Load_OneFileChanged_ParsesOnlyThatFileAndGivesWhatAFreshLoadGives()
    {
        var cache = new ParseCache();
        var files = Files(50);
        Assert.True(FleetLoader.Load(files, cache).IsValid);
        Assert.Equal(files.Count, cache.LastParsed);

        var changed = files.FindIndex(f => f.Path.StartsWith("clusters/", StringComparison.Ordinal));
        var text = Encoding.UTF8.GetString(files[changed].Content);
        var at = text.IndexOf("      replicas: ", StringComparison.Ordinal);
        files[changed] = files[changed] with { Content = Encoding.UTF8.GetBytes(text[..at] + "      replicas: 2" + text[text.IndexOf('\n', at)..]) };

        var cached = FleetCompiler.Compile(files, cache: cache);
        Assert.Equal(1, cache.LastParsed);
        var fresh = FleetCompiler.Compile(files);
        Assert.True(cached.Succeeded, string.Join("\n", cached.Diagnostics));
        Assert.Equal(fresh.Hosts.Select(RenderedHostYaml.Write), cached.Hosts.Select(RenderedHostYaml.Write));
    }

    [Fact]
    public void Load_FileBrokenThenRemoved_ErrorReportedThenForgotten()
    {
        var cache = new ParseCache();
        var files = Files(20);
        Assert.True(FleetLoader.Load(files, cache).IsValid);

        files.Add(new FleetFile("clusters/broken.yaml", Encoding.UTF8.GetBytes("apiVersion: liquidmetal.dev/v1alpha1\nkind: Cluster\nmetadata: {name: broken}\nspec: {}\n")));
        var broken = FleetLoader.Load(files, cache);
        Assert.False(broken.IsValid);
        Assert.Contains(broken.Diagnostics, d => d.Location.File == "clusters/broken.yaml");
        Assert.Equal(1, cache.LastParsed);

        files.RemoveAt(files.Count - 1);
        var again = FleetLoader.Load(files, cache);
        Assert.True(again.IsValid, string.Join("\n", again.Diagnostics));
        Assert.Equal(0, cache.LastParsed);
    }
}
