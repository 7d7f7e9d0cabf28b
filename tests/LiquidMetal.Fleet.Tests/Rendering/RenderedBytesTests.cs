using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Bench;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests.Rendering;

/// <summary>
/// The bytes of rendered/hosts/*.yaml, pinned. The status branch is compared byte for byte from pass to pass, so any
/// change here is a commit on every reconciler's status branch: it must be meant.
/// </summary>
public sealed class RenderedBytesTests
{
    /// <summary>SHA-256 of the generated 60-host fleet's rendered documents, one after another in host order.</summary>
    private const string Generated60Hosts = "3e7c37f07c8dfa9b60ddf39166088ef63e13e19cb4cdecbbd6cc22de0ed31fee";

    [Fact]
    public void Write_FleetExample_BytesAsPinned()
    {
        var compiled = FleetCompiler.Compile(FleetFiles.ExampleDirectory);
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));

        Golden.Check("fleet-example-hosts.yaml", Golden.Join(compiled.Hosts.Select(h => ($"{h.Host}.yaml", RenderedHostYaml.Write(h)))));
    }

    [Fact]
    public void Write_AwkwardTexts_BytesAsPinned()
    {
        // Each text as user-data (a literal block where one can carry it), as a kernel path and as a metadata value.
        var documents = new List<(string Name, string Text)>();
        foreach (var row in (IEnumerable<object[]>)RenderedHostYamlTests.Texts())
        {
            var text = (string)row[0];
            var host = RenderedHostYamlTests.Sample(text, kernel: text.Length == 0 ? "/k" : text);
            host = host with { Microvms = [host.Microvms[0] with { Metadata = host.Microvms[0].Metadata.Add("text", text) }] };
            documents.Add(($"case {documents.Count}", RenderedHostYaml.Write(host)));
        }

        Golden.Check("awkward-texts.yaml", Golden.Join(documents));
    }

    [Fact]
    public void Utf8AndWriteFile_EveryDocument_TheBytesOfTheTextAsUtf8()
    {
        // The file and status writers encode from a reused builder; they must give the very bytes of Write's text,
        // a non-ASCII text and a document larger than the last one on the same thread included.
        var hosts = FleetCompiler.Compile(FleetFiles.ExampleDirectory).Hosts.ToList();
        foreach (var row in (IEnumerable<object[]>)RenderedHostYamlTests.Texts())
        {
            var text = (string)row[0];
            hosts.Add(RenderedHostYamlTests.Sample(text, kernel: text.Length == 0 ? "/k" : text));
        }

        var directory = Directory.CreateTempSubdirectory("lm-rendered-");
        try
        {
            foreach (var host in hosts.Concat(hosts.AsEnumerable().Reverse()))
            {
                var expected = Encoding.UTF8.GetBytes(RenderedHostYaml.Write(host));
                Assert.Equal(expected, RenderedHostYaml.Utf8(host));

                var path = Path.Combine(directory.FullName, "host.yaml");
                File.Delete(path);
                RenderedHostYaml.WriteNewFile(path, host);
                Assert.Equal(expected, File.ReadAllBytes(path));

                // Only ever a new file: one already there is refused whole, never overwritten in part.
                File.WriteAllText(path, new string('x', expected.Length + 100));
                Assert.Throws<IOException>(() => RenderedHostYaml.WriteNewFile(path, host));
                Assert.Equal(new string('x', expected.Length + 100), File.ReadAllText(path));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Write_Generated60Hosts_HashAsPinned()
    {
        var files = FleetGenerator.Generate(60).Select(f => new FleetFile(f.Key, Encoding.UTF8.GetBytes(f.Value))).ToList();
        var compiled = FleetCompiler.Compile(files);
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics.Take(5)));

        var all = string.Concat(compiled.Hosts.Select(RenderedHostYaml.Write));

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)));
        Assert.True(hash == Generated60Hosts, $"the generated fleet's rendered bytes changed (SHA-256 {hash}); pin the new hash only if the change is meant");
    }
}
