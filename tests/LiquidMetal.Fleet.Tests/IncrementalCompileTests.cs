using System.Text;
using LiquidMetal.Bench;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Fleet.Tests;

/// <summary>
/// A reconciler's compiles through one <see cref="ParseCache"/> and one <see cref="RenderCache"/>: only changed files are
/// parsed and only hosts with changed inputs rendered, and the result is the one a fresh compile gives.
/// </summary>
public class IncrementalCompileTests
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
    public void Compile_OneClusterResized_RendersOnlyItsHostsAndGivesWhatAFreshCompileGives()
    {
        var parsed = new ParseCache();
        var rendered = new RenderCache();
        var files = Files(50);
        var first = FleetCompiler.Compile(files, cache: parsed, rendered: rendered);
        Assert.Equal(50, rendered.LastRendered);

        // The first cluster gets one more worker: only hosts of its site may render anew, every other host is the same object.
        var changed = files.FindIndex(f => f.Path.StartsWith("clusters/", StringComparison.Ordinal));
        var cluster = Path.GetFileNameWithoutExtension(files[changed].Path);
        var text = Encoding.UTF8.GetString(files[changed].Content);
        var at = text.IndexOf("      replicas: ", StringComparison.Ordinal) + "      replicas: ".Length;
        var end = text.IndexOf('\n', at);
        var workers = int.Parse(text[at..end], System.Globalization.CultureInfo.InvariantCulture) + 1;
        files[changed] = files[changed] with { Content = Encoding.UTF8.GetBytes(text[..at] + workers + text[end..]) };
        var previous = RenderedDirectory.PlacementOf(first.Hosts);
        var again = FleetCompiler.Compile(files, previous, parsed, rendered);

        Assert.True(again.Succeeded, string.Join("\n", again.Diagnostics));
        var site = cluster[..cluster.LastIndexOf('-')];
        var touched = first.Hosts.Where(h => h.Host.StartsWith(site + "-", StringComparison.Ordinal)).Select(h => h.Host).ToHashSet();
        Assert.InRange(rendered.LastRendered, 1, touched.Count);
        Assert.All(first.Hosts.Zip(again.Hosts), pair => Assert.True(touched.Contains(pair.First.Host) || ReferenceEquals(pair.First, pair.Second), $"{pair.First.Host} rendered again"));
        Assert.Equal(workers, again.Hosts.Sum(h => h.Microvms.Count(vm => vm.Cluster == cluster && vm.Pool == "workers")));
        var fresh = FleetCompiler.Compile(files, previous);
        Assert.Equal(fresh.Hosts.Select(RenderedHostYaml.Write), again.Hosts.Select(RenderedHostYaml.Write));
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
