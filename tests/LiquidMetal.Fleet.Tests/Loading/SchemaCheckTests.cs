using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;
using NJsonSchema.Validation;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>
/// The quick schema check against NJsonSchema, the validator the loader trusts: on every document, mutated thousands of
/// ways, "valid" from the quick check must be "no errors" from NJsonSchema and "invalid" must be some error.
/// </summary>
public sealed class SchemaCheckTests
{
    private static readonly JsonSchemaValidator Validator = new();

    /// <summary>Extra valid documents for shapes the example leaves out.</summary>
    private static readonly (string Kind, string Yaml)[] Shapes =
    [
        ("Cluster", """
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Cluster
            metadata: { name: own-bootstrap }
            spec:
              hostSelector: { matchLabels: { site: a } }
              controlPlane: { replicas: 1, vcpu: 2, memoryMiB: 2048, endpoint: "10.0.0.10:6443" }
              workerPools:
                - { name: metal, mode: metal, replicas: 1 }
                - { name: small, replicas: 2, vcpu: 1, memoryMiB: 512 }
              bootstrap: { userData: "#cloud-config\nhostname: {{ node.name }}\n" }
              suspend: true
            """),
        ("Host", """
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Host
            metadata: { name: big-1, labels: { site: a, rack: "7" } }
            spec:
              agent: { endpoint: "https://big-1.core.example:7443/" }
              failureDomain: rack-7
              capacity: { cpu: 64, memoryMiB: 262144 }
              reserved: { cpu: 2, memoryMiB: 4096 }
              roles: [microvm, metal]
              controlPlaneAllowed: true
            """),
    ];

    /// <summary>Values a mutation puts in place of another: every type, each rule's edges, and what the rules forbid.</summary>
    private static readonly JToken[] Values =
    [
        JValue.CreateNull(), "", "x", "cp", "metal", "microvm", "kubeadm", "eks-d", "pack", "ssh", "Sled-1", "a_b", "1.30",
        "ünïcödé", "a\u00a0b", "sled-1\n", "\t", "https://a:1/\n", "https://a:1/", "http://a b", new string('a', 63), new string('a', 64), "10.0.0.0/24",
        0, -1, 1, 2, 16, 17, 0.999, 16.000000000000004, 15.999999999999998, 255, 256, 4096, 4097, 67108864, 67108865, 1000, 1001, long.MaxValue, 1.5, 2.0, -0.5, true, false,
        new JObject(), new JArray(), new JArray("metal"), new JArray("microvm", "microvm"), new JArray("microvm", "metal"),
        new JArray(1, 2), new JObject { ["userData"] = "x" }, new JObject { ["userData"] = 1 }, new JObject { ["a"] = "b" },
        new JObject { ["a"] = 1 },
    ];

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 4).Select(i => new object[] { i });

    [Fact]
    public void Check_EveryExampleDocument_Valid()
    {
        foreach (var (kind, path, document) in Documents())
        {
            Assert.True(FleetSchemas.QuickCheck(kind).Check(document) == Verdict.Valid, $"{path}: the quick check does not pass a valid document, so every load would run NJsonSchema");
            Assert.Empty(Validator.Validate(document, FleetSchemas.For(kind)));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Check_MutatedDocuments_AgreesWithNJsonSchemaWheneverItDecides(int seed)
    {
        var random = new Random(seed);
        var names = SchemaPropertyNames();
        var counts = new Dictionary<Verdict, int> { [Verdict.Valid] = 0, [Verdict.Invalid] = 0, [Verdict.Unknown] = 0 };
        var documents = Documents().ToList();
        for (var i = 0; i < 2500; i++)
        {
            var (kind, path, original) = documents[random.Next(documents.Count)];
            var document = original.DeepClone();
            var applied = new List<string>();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                applied.Add(Mutate(document, random, names));
            }

            var verdict = FleetSchemas.QuickCheck(kind).Check(document);
            var errors = Validator.Validate(document, FleetSchemas.For(kind));
            counts[verdict]++;
            var what = $"{path} after {string.Join("; ", applied)}:\n{document}\nNJsonSchema: {string.Join(", ", errors.Select(e => $"{e.Kind} at {e.Path}"))}";
            Assert.False(verdict == Verdict.Valid && errors.Count > 0, "the quick check passed a document NJsonSchema refuses: " + what);
            Assert.False(verdict == Verdict.Invalid && errors.Count == 0, "the quick check refused a document NJsonSchema passes: " + what);
        }

        // The mutations must reach both verdicts often, or the agreement above proves little.
        Assert.True(counts[Verdict.Valid] > 250 && counts[Verdict.Invalid] > 750, string.Join(", ", counts));
    }

    [Fact]
    public void Check_EveryValueReplacedByEveryOther_AgreesWithNJsonSchemaWheneverItDecides()
    {
        var decided = 0;
        foreach (var (kind, path, original) in Documents())
        {
            var places = ((JContainer)original).Descendants().Where(t => t is JValue or JContainer && t is not JProperty).Select(t => t.Path).ToList();
            foreach (var place in places)
            {
                var at = original.SelectToken(place)!;
                foreach (var value in Values.Concat(Near(at)))
                {
                    var document = original.DeepClone();
                    document.SelectToken(place)!.Replace(value.DeepClone());
                    var verdict = FleetSchemas.QuickCheck(kind).Check(document);
                    var errors = Validator.Validate(document, FleetSchemas.For(kind));
                    var what = $"{path} with {place} = {value.ToString(Newtonsoft.Json.Formatting.None)}: NJsonSchema says {string.Join(", ", errors.Select(e => $"{e.Kind} at {e.Path}"))}";
                    Assert.False(verdict == Verdict.Valid && errors.Count > 0, "the quick check passed a document NJsonSchema refuses: " + what);
                    Assert.False(verdict == Verdict.Invalid && errors.Count == 0, "the quick check refused a document NJsonSchema passes: " + what);
                    decided += verdict == Verdict.Unknown ? 0 : 1;
                }
            }
        }

        Assert.True(decided > 10000, $"only {decided} replacements decided");
    }

    [Fact]
    public void Check_NullOrUnknownKeyword_LeavesItToNJsonSchema()
    {
        var check = SchemaCheck.Compile("""{ "type": "object", "properties": { "a": { "type": "string", "format": "uri" }, "b": { "type": "integer" } } }""");

        Assert.Equal(Verdict.Valid, check.Check(JObject.Parse("""{ "b": 1 }""")));
        Assert.Equal(Verdict.Unknown, check.Check(JObject.Parse("""{ "a": "x" }""")));
        Assert.Equal(Verdict.Unknown, check.Check(JObject.Parse("""{ "b": null }""")));
        Assert.Equal(Verdict.Invalid, check.Check(JObject.Parse("""{ "b": "1" }""")));
        Assert.Equal(Verdict.Unknown, check.Check(JObject.Parse("""{ "b": 1.0 }""")));
    }

    private static IEnumerable<(string Kind, string Path, JToken Document)> Documents()
    {
        var example = FleetFiles.Example();
        foreach (var path in example.Paths)
        {
            if (FleetLoader.KindOf(path) is { } kind)
            {
                yield return (kind, path, Parse(path, example[path]));
            }
        }

        foreach (var (kind, yaml) in Shapes)
        {
            yield return (kind, "shape of " + kind, Parse(kind, yaml));
        }
    }

    private static JToken Parse(string path, string yaml)
    {
        var diagnostics = new List<Diagnostic>();
        var tree = YamlTree.Parse(path, yaml, diagnostics, keepLocations: false);
        Assert.Empty(diagnostics);
        return tree.Root!;
    }

    /// <summary>Every property name the schemas know, and one they do not.</summary>
    private static string[] SchemaPropertyNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal) { "unknownField" };
        foreach (var file in new[] { "fleet.schema.json", "host.schema.json", "cluster.schema.json", "network.schema.json" })
        {
            foreach (var properties in JObject.Parse(FleetSchemas.Text(file)).Descendants().OfType<JProperty>().Where(p => p.Name == "properties"))
            {
                if (properties.Value is JObject map)
                {
                    names.UnionWith(map.Properties().Select(p => p.Name));
                }
            }
        }

        return [.. names];
    }

    /// <summary>One random change somewhere in the document; says what it did.</summary>
    private static string Mutate(JToken document, Random random, string[] names)
    {
        var tokens = ((JContainer)document).DescendantsAndSelf().ToList();
        switch (random.Next(4))
        {
            case 0 when tokens.OfType<JProperty>().ToList() is { Count: > 0 } properties:
            {
                var property = properties[random.Next(properties.Count)];
                property.Remove();
                return $"removed {property.Path}";
            }

            case 1 when tokens.OfType<JObject>().ToList() is { Count: > 0 } mappings:
            {
                var mapping = mappings[random.Next(mappings.Count)];
                var name = names[random.Next(names.Length)];
                mapping[name] = Pick(random);
                return $"set {mapping.Path}.{name}";
            }

            case 2 when tokens.Where(t => t is JValue or JContainer && t.Parent is not null && t is not JProperty).ToList() is { Count: > 0 } values:
            {
                var value = values[random.Next(values.Count)];
                var path = value.Path;
                value.Replace(random.Next(2) == 0 ? Pick(random) : Near(value, random));
                return $"replaced {path}";
            }

            case 3 when tokens.OfType<JArray>().ToList() is { Count: > 0 } lists:
            {
                var list = lists[random.Next(lists.Count)];
                if (list.Count > 0 && random.Next(2) == 0)
                {
                    list.Add(list[random.Next(list.Count)].DeepClone());
                    return $"repeated an item of {list.Path}";
                }

                list.Clear();
                return $"emptied {list.Path}";
            }

            default:
                return "nothing";
        }
    }

    private static JToken Pick(Random random) => Values[random.Next(Values.Length)].DeepClone();

    /// <summary>A value close to the one there: just past a length or a bound, another case, one character more.</summary>
    private static JToken Near(JToken value, Random random)
    {
        var near = Near(value);
        return near.Length == 0 ? Pick(random) : near[random.Next(near.Length)];
    }

    private static JToken[] Near(JToken value) => value switch
    {
        JValue { Value: string s } =>
            [s + new string('a', Math.Max(1, 64 - s.Length)), s + new string('a', Math.Max(0, 63 - s.Length)), s.ToUpperInvariant(), s + " ", "", "-" + s, s + "é", s.Replace('-', '_'), s + ":99999", s + "\n", "\n" + s],
        JValue { Value: long n } => [n + 1, n - 1, 0, -n, n * 2, n / 2, (double)n],
        JValue { Value: double d } => [d + 0.5, -d, d * 10, d - 1e-12],
        JValue { Value: bool b } => [!b],
        _ => [],
    };
}
