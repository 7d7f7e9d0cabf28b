using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Tests.Yaml;

/// <summary>The one writer, read back by the one reader: what is written is what is read.</summary>
public sealed class YamlReaderWriterTests
{
    [Fact]
    public void Write_EveryKindOfField_ReadsBackAsWritten()
    {
        var when = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.FromHours(1));
        var yaml = new YamlWriter(256)
            .Comment("generated")
            .Scalar(0, "name", "sled-1")
            .Scalar(0, "absent", null)
            .Text(0, "message", "two words, then: a colon")
            .Lines(0, "userData", "#cloud-config\n  indented\n")
            .Number(0, "memoryMiB", 98304)
            .Flag(0, "reachable", false)
            .Time(0, "since", when)
            .Open(0, "labels")
            .Entry(2, "liquidmetal.dev/site", "lab")
            .Entry(2, "yes", "no")
            .Entry(2, "a key: with a colon", "x\ny\n")
            .ToString();

        var root = YamlTree.ReadMapping(yaml);

        Assert.StartsWith("# generated\nname: sled-1\nmessage: \"two words, then: a colon\"\n", yaml, StringComparison.Ordinal);
        Assert.False(root.ContainsKey("absent"));
        Assert.Equal("#cloud-config\n  indented\n", root.Text("userData"));
        Assert.Equal(98304, root.Number("memoryMiB"));
        Assert.False(root.Flag("reachable"));
        Assert.Equal(when, root.Time("since"));
        Assert.Equal("lab", root.Mapping("labels")!.Text("liquidmetal.dev/site"));
        Assert.Equal("no", root.Mapping("labels")!.Text("yes"));
        Assert.Equal("x\ny\n", root.Mapping("labels")!.Text("a key: with a colon"));
        Assert.Contains("\n  \"yes\": \"no\"\n  \"a key: with a colon\": |\n    x\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequence_FirstFieldOfAnItemSpansLines_BlockIndentedUnderTheItem()
    {
        // The item's first field shares its line with "- ": its block must still be indented under the item's fields.
        var yaml = new YamlWriter(128)
            .Sequence(0, "items", 2, ["one\ntwo\n", "three"], static (y, text) => y.Lines(4, "text", text).Scalar(4, "after", "x"))
            .EmptyList(0, "none")
            .ToString();

        var root = YamlTree.ReadMapping(yaml);

        var items = root.Items("items").Cast<JObject>().ToList();
        Assert.Equal(["one\ntwo\n", "three"], items.Select(i => i.Text("text")));
        Assert.All(items, i => Assert.Equal("x", i.Text("after")));
        Assert.Empty(root.Items("none"));
        Assert.Contains("  - text: |\n      one\n      two\n    after: x\n", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: &x 1\nb: *x\n", "line 1, column 4: anchor &x")]
    [InlineData("a: 1\na: 2\n", "line 2, column 1: duplicate key 'a'")]
    [InlineData("- 1\n", "line 1, column 1: the document is not a mapping")]
    [InlineData("a: [1\n", "invalid YAML")]
    public void ReadMapping_UnsafeOrBrokenText_FormatExceptionSaysWhere(string yaml, string message)
    {
        var error = Assert.Throws<FormatException>(() => YamlTree.ReadMapping(yaml));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithLocations_DuplicateKeyWhoseFirstValueIsAnAlias_ReportedNotThrown()
    {
        var diagnostics = new List<LiquidMetal.Fleet.Diagnostics.Diagnostic>();

        var tree = YamlTree.Parse("hosts/a.yaml", "a: &x 1\nb: *x\nb: 2\n", diagnostics, keepLocations: true);

        Assert.Null(tree.Root);
        Assert.Contains(diagnostics, d => d.Message.Contains("duplicate key 'b'", StringComparison.Ordinal) && d.Location.Line == 3);
    }

    [Fact]
    public void ReadMapping_NestedDeeperThanTheLimit_FormatExceptionNotAStackOverflow()
    {
        var error = Assert.Throws<FormatException>(() => YamlTree.ReadMapping("a: " + new string('[', 10_000)));

        Assert.Contains($"nesting deeper than {YamlTree.MaxDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_ScalarsOfOtherTypes_ReadAsYamlSpellsThem()
    {
        var root = YamlTree.ReadMapping("n: 0x1f\nf: 1.50\nb: True\ns: \"True\"\nz: ~\nlist: [a]\n");

        Assert.Equal("31", root.Text("n"));
        Assert.Equal("1.5", root.Text("f"));
        Assert.Equal("true", root.Text("b"));
        Assert.True(root.Flag("b"));
        Assert.True(root.Flag("s"));
        Assert.Null(root.Text("z"));
        Assert.Null(root.Text("list"));
        var missing = Assert.Throws<FormatException>(() => root.RequiredText("absent"));
        Assert.Contains("missing 'absent'", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion: v\nkind: Fleet\nspec:\n  verify:\n    mode: ssh\n", "ssh")]
    [InlineData("apiVersion: v\nkind: Fleet\nspec: {}\n", "none")]
    [InlineData("kind: Fleet\n", "none")]
    [InlineData("kind: Fleet\nspec:\n  verify: &v {mode: ssh}\n", null)]
    [InlineData("[[[[", null)]
    public void DeclaredVerifyMode_FleetYaml_ModeOrNoneOrUnknown(string yaml, string? mode)
    {
        Assert.Equal(mode, FleetLoader.DeclaredVerifyMode(yaml));
    }

    [Fact]
    public void Parse_WithoutLocations_SameTreeAndProblemsStillSayWhere()
    {
        const string text = "a:\n  b: [1, two]\n  c: {d: true}\n";
        var withLocations = YamlTree.Parse("x.yaml", text, []);

        var without = YamlTree.Parse("x.yaml", text, [], keepLocations: false);
        var diagnostics = new List<Diagnostic>();
        YamlTree.Parse("x.yaml", "a: 1\nb: 2\na: 3\n", diagnostics, keepLocations: false);

        Assert.True(JToken.DeepEquals(withLocations.Root, without.Root));
        Assert.NotEmpty(withLocations.Locations);
        Assert.Empty(without.Locations);
        Assert.Equal(new SourceLocation("x.yaml", 3, 1), Assert.Single(diagnostics).Location);
    }

    [Fact]
    public void Parse_DiagnosticsCarryTheFileName()
    {
        var diagnostics = new List<Diagnostic>();

        YamlTree.Parse("status/hosts/sled-1.yaml", "a: 1\na: 2\n", diagnostics);

        Assert.Equal(new SourceLocation("status/hosts/sled-1.yaml", 2, 1), Assert.Single(diagnostics).Location);
    }
}
