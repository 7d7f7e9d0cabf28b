using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests.Rendering;

/// <summary>render --out's directory: written whole when new, file by file when it exists, stale documents removed.</summary>
public sealed class RenderedDirectoryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("lm-rendered-dir-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Write_NewNestedDirectory_EveryDocumentAndNothingBesideIt()
    {
        var hosts = FleetCompiler.Compile(FleetFiles.ExampleDirectory).Hosts;
        var output = Path.Combine(_root.FullName, "site", "rendered");

        RenderedDirectory.Write(output, hosts);

        Assert.Equal(hosts.Select(h => h.Host + ".yaml").Order(StringComparer.Ordinal), Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([output], Directory.GetFileSystemEntries(Path.Combine(_root.FullName, "site"))); // no staging directory left
        var diagnostics = new List<Diagnostic>();
        Assert.Equal(hosts.Select(h => h.SpecHash), RenderedDirectory.Read(output, diagnostics).Select(h => h.SpecHash));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Write_ExistingDirectory_ReplacesDocumentsRemovesStaleOnesKeepsOtherFiles()
    {
        var hosts = FleetCompiler.Compile(FleetFiles.ExampleDirectory).Hosts;
        var output = Path.Combine(_root.FullName, "rendered");
        RenderedDirectory.Write(output, hosts);
        File.WriteAllText(Path.Combine(output, "notes.yaml"), "kind: Notes\n");

        RenderedDirectory.Write(output, hosts[1..]);

        Assert.False(File.Exists(Path.Combine(output, hosts[0].Host + ".yaml")));
        Assert.Equal(RenderedHostYaml.Write(hosts[1]), File.ReadAllText(Path.Combine(output, hosts[1].Host + ".yaml")));
        Assert.True(File.Exists(Path.Combine(output, "notes.yaml")));
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
    }

    [Fact]
    public void Write_ExistingDirectoryWithAKilledRendersTemporaryFile_ReplacedAsIfItWereNotThere()
    {
        var hosts = FleetCompiler.Compile(FleetFiles.ExampleDirectory).Hosts;
        var output = Path.Combine(_root.FullName, "rendered");
        RenderedDirectory.Write(output, hosts);
        var leftover = Path.Combine(output, hosts[2].Host + ".yaml.tmp");
        File.WriteAllText(leftover, new string('x', 100_000)); // longer than the document: nothing of it may remain

        RenderedDirectory.Write(output, hosts);

        Assert.Equal(RenderedHostYaml.Write(hosts[2]), File.ReadAllText(Path.Combine(output, hosts[2].Host + ".yaml")));
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
    }
}
