using System.Diagnostics;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Yaml;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>What the YAML reader refuses (syntax, several documents, anchors, depth, bad bytes) and how it types scalars.</summary>
public sealed class YamlSyntaxTests
{
    private const string Sled1 = "hosts/sled-1.yaml";

    [Fact]
    public void Load_UnclosedQuote_OneErrorAtTheOpeningQuote()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "failureDomain: sled-1", "failureDomain: \"sled-1");

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "\"sled-1"), "invalid YAML", "quoted scalar");
    }

    [Fact]
    public void Load_BadIndentation_OneErrorAtTheMisindentedKey()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "    memoryMiB: 98304", "   memoryMiB: 98304");

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "memoryMiB: 98304"), "invalid YAML");
    }

    [Fact]
    public void Load_SecondDocumentInFile_ErrorAtTheSecondDocumentMarker()
    {
        var files = FleetFiles.Example();
        files[Sled1] += "---\napiVersion: liquidmetal.dev/v1alpha1\nkind: Host\n";

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "---"), "a second YAML document", "exactly one document");
    }

    [Fact]
    public void Load_EmptyFile_ErrorSaysWhatADocumentNeeds()
    {
        var files = FleetFiles.Example();
        files[Sled1] = "# nothing here yet\n";

        var result = files.Load();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(Sled1, diagnostic.Location.File);
        LoadAssert.Contains(diagnostic, "the file is empty", "apiVersion, kind, metadata and spec");
    }

    [Fact]
    public void Load_InvalidUtf8InComment_ErrorAtTheBadByte()
    {
        var files = FleetFiles.Example();
        var text = files[Sled1];
        var cut = text.IndexOf("kind: Host", StringComparison.Ordinal) + "kind: Host".Length;
        var before = text[..cut] + "  # caf";
        files.SetBytes(Sled1, [.. Encoding.UTF8.GetBytes(before), 0xFF, .. Encoding.UTF8.GetBytes(text[cut..])]);

        var result = files.Load();

        // The bad byte follows "kind: Host  # caf" (17 characters) on line 3.
        LoadAssert.Single(result, new SourceLocation(Sled1, 3, 18), "not valid UTF-8", "0xFF", "save it as UTF-8");
    }

    [Fact]
    public void Load_InvalidUtf8AfterMultibyteCharacter_ColumnCountsCharacters()
    {
        var files = FleetFiles.Example();
        var text = files[Sled1];
        var cut = text.IndexOf("kind: Host", StringComparison.Ordinal) + "kind: Host".Length;
        var before = text[..cut] + "  # café ";
        files.SetBytes(Sled1, [.. Encoding.UTF8.GetBytes(before), 0xFF, .. Encoding.UTF8.GetBytes(text[cut..])]);

        var result = files.Load();

        var expected = FleetFiles.Locate(Sled1, before + "X", "X");
        Assert.Equal(new SourceLocation(Sled1, 3, 20), expected);
        LoadAssert.Single(result, expected, "not valid UTF-8");
    }

    [Fact]
    public void Load_Utf8ByteOrderMark_IsAccepted()
    {
        var files = FleetFiles.Example();
        files.SetBytes(Sled1, [0xEF, 0xBB, 0xBF, .. files.Bytes(Sled1)]);

        LoadAssert.Valid(files.Load());
    }

    [Fact]
    public void Load_ByteOrderMarkThenError_LocationIgnoresTheMark()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "cpu: 32", "cpu: \"lots\"");
        var expected = files.At(Sled1, "\"lots\"");
        files.SetBytes(Sled1, [0xEF, 0xBB, 0xBF, .. files.Bytes(Sled1)]);

        LoadAssert.Single(files.Load(), expected, "expected a whole number");
    }

    [Fact]
    public void Load_NulByte_ErrorAtTheByte()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "kind: Host", "kind: Host # \0");

        LoadAssert.Single(files.Load(), files.At(Sled1, "\0"), "NUL byte");
    }

    [Fact]
    public void Load_BillionLaughs_RejectedQuicklyAtTheFirstAnchor()
    {
        var laughs = new StringBuilder("a: &a [x, x]\n");
        for (var level = 1; level < 10; level++)
        {
            var name = (char)('a' + level);
            var previous = (char)('a' + level - 1);
            laughs.Append($"{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n");
        }

        var files = FleetFiles.Example();
        files[Sled1] = laughs.ToString();
        FleetLoader.Load(FleetFiles.Example().ToList()); // warm up (schemas, JIT) so the timing is of the laughs

        var clock = Stopwatch.StartNew();
        var result = files.Load();
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"took {clock.Elapsed}");
        Assert.Null(result.Fleet);
        Assert.All(result.Diagnostics, d => Assert.Equal(Sled1, d.Location.File));
        Assert.All(result.Diagnostics, d => LoadAssert.Contains(d, "anchors and aliases are not allowed"));
        var first = result.Diagnostics[0];
        Assert.Equal(files.At(Sled1, "&a"), first.Location);
        LoadAssert.Contains(first, "anchor &a", "write the value out");
        Assert.Contains(result.Diagnostics, d => d.Location == files.At(Sled1, "*a") && d.Message.Contains("alias *a", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    public void Load_FlowNesting100000Deep_ErrorAtTheDepthLimitNoCrash(string open, string close)
    {
        const int depth = 100_000;
        var files = FleetFiles.Example();
        files[Sled1] = string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth)) + "\n";

        var result = files.Load();

        // Depth 1 opens at column 1, so the first node past the limit (depth MaxDepth + 1) opens at column open.Length * MaxDepth + 1.
        LoadAssert.Single(result, new SourceLocation(Sled1, 1, (open.Length * YamlTree.MaxDepth) + 1), $"nesting deeper than {YamlTree.MaxDepth} levels");
    }

    [Fact]
    public void Load_BlockNestingBeyondLimit_ErrorNoCrash()
    {
        var files = FleetFiles.Example();
        var yaml = new StringBuilder();
        for (var level = 0; level < 200; level++)
        {
            yaml.Append(' ', level).Append("k:\n");
        }

        yaml.Append(' ', 200).Append("v\n");
        files[Sled1] = yaml.ToString();

        var result = files.Load();

        // The mapping of depth n starts on line n at column n (n - 1 spaces of indentation).
        LoadAssert.Single(result, new SourceLocation(Sled1, YamlTree.MaxDepth + 1, YamlTree.MaxDepth + 1), $"nesting deeper than {YamlTree.MaxDepth} levels");
    }

    [Fact]
    public void Load_VersionWrittenAsNumber_SchemaErrorSuggestsQuotes()
    {
        var files = FleetFiles.Example();
        const string cluster = "clusters/cluster-a.yaml";
        files.Replace(cluster, "version: v1.31.2", "version: 1.30");

        var result = files.Load();

        LoadAssert.Single(result, files.At(cluster, "1.30"), "spec.kubernetes.version", "expected a string", "quote it to make it a string");
    }

    [Fact]
    public void Load_YesNoOnOff_AreStringsUnderYaml12()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "  labels:\n", "  labels:\n    gpu: yes\n    ipv6: no\n    turbo: on\n    smt: off\n    arm: n\n");

        var result = files.Load();

        LoadAssert.Valid(result);
        var labels = result.Fleet!.Hosts.Single(h => h.Name == "sled-1").Labels;
        Assert.Equal(("yes", "no", "on", "off", "n"), (labels["gpu"], labels["ipv6"], labels["turbo"], labels["smt"], labels["arm"]));
    }

    [Fact]
    public void Load_YesForBoolean_IsNotTrue()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "controlPlaneAllowed: true", "controlPlaneAllowed: yes");

        LoadAssert.Single(files.Load(), files.At(Sled1, "yes"), "spec.controlPlaneAllowed", "expected true or false, found 'yes'");
    }

    [Fact]
    public void Load_ExplicitStringTag_KeepsNumberLookingValueAString()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "liquidmetal.dev/sled: \"1\"", "liquidmetal.dev/sled: !!str 1");

        var result = files.Load();

        LoadAssert.Valid(result);
        Assert.Equal("1", result.Fleet!.Hosts.Single(h => h.Name == "sled-1").Labels["liquidmetal.dev/sled"]);
    }
}
