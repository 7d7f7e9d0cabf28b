using LiquidMetal.Fleet.Loading;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>
/// The schemas (schemas/*.schema.json) and the C# mapper must describe the same format: every field a schema
/// allows is read into the model, and the mapper reads nothing a schema does not allow.
/// </summary>
public sealed class SchemaModelAgreementTests
{
    /// <summary>Schema leaves the mapper does not read, on purpose. Keep this short: each entry is a field that is accepted and ignored.</summary>
    private static readonly Dictionary<string, string[]> NotMapped = new(StringComparer.Ordinal)
    {
        // apiVersion and kind are checked by the schema (enum) and by the loader (kind vs folder); annotations are for people and tools.
        ["Fleet"] = ["apiVersion", "kind", "metadata.annotations", "metadata.labels"],
        ["Host"] = ["apiVersion", "kind", "metadata.annotations"],
        ["Cluster"] = ["apiVersion", "kind", "metadata.annotations", "metadata.labels"],
        ["Network"] = ["apiVersion", "kind", "metadata.annotations", "metadata.labels"],
    };

    [Theory]
    [InlineData("Fleet")]
    [InlineData("Host")]
    [InlineData("Cluster")]
    [InlineData("Network")]
    public void DocumentMapper_DocumentWithEverySchemaField_ReadsExactlyTheSchemaFields(string kind)
    {
        var leaves = new SortedSet<string>(StringComparer.Ordinal);
        var allPaths = new HashSet<string>(StringComparer.Ordinal);
        var document = (JObject)Generate(FleetSchemas.For(kind), string.Empty, leaves, allPaths);
        var touched = new HashSet<string>(StringComparer.Ordinal);

        var reader = new DocumentReader(document, touched);
        _ = kind switch
        {
            "Fleet" => (object)DocumentMapper.Fleet(reader, "fleet.yaml"),
            "Host" => DocumentMapper.Host(reader, "hosts/x.yaml"),
            "Network" => DocumentMapper.Network(reader, "networks/x.yaml"),
            _ => DocumentMapper.Cluster(reader, "clusters/x.yaml"),
        };

        Assert.All(NotMapped[kind], path => Assert.Contains(path, leaves)); // the exception list names real schema fields
        var notRead = leaves.Where(leaf => !touched.Contains(leaf) && !NotMapped[kind].Contains(leaf)).ToList();
        Assert.True(notRead.Count == 0, $"{kind}: the schema allows fields the mapper never reads (they would be silently ignored): {string.Join(", ", notRead)}");
        var notInSchema = touched.Where(path => !allPaths.Contains(path)).Order(StringComparer.Ordinal).ToList();
        Assert.True(notInSchema.Count == 0, $"{kind}: the mapper reads fields the schema does not allow (they can never be set): {string.Join(", ", notInSchema)}");
        var mappedButExcepted = NotMapped[kind].Where(touched.Contains).ToList();
        Assert.True(mappedButExcepted.Count == 0, $"{kind}: fields listed as not mapped are read after all; drop them from the list: {string.Join(", ", mappedButExcepted)}");
    }

    [Fact]
    public void Load_FleetExample_ReadsOnlySchemaFields()
    {
        var allPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in new[] { "Fleet", "Host", "Cluster", "Network" })
        {
            Generate(FleetSchemas.For(kind), string.Empty, new SortedSet<string>(StringComparer.Ordinal), allPaths);
        }

        var touched = new HashSet<string>(StringComparer.Ordinal);
        var result = FleetLoader.Load(FleetFiles.Example().ToList(), touched);

        LoadAssert.Valid(result);
        Assert.Contains("spec.workerPools[].hostSelector.matchLabels", touched);
        Assert.DoesNotContain(touched, path => !allPaths.Contains(path));
    }

    [Fact]
    public void Generate_ClusterSchema_FindsNestedLeaves()
    {
        // Guards the walker itself: a walker that found nothing would make the agreement test pass vacuously.
        var leaves = new SortedSet<string>(StringComparer.Ordinal);
        Generate(FleetSchemas.For("Cluster"), string.Empty, leaves, new HashSet<string>(StringComparer.Ordinal));

        Assert.Contains("spec.workerPools[].hostSelector.matchLabels", leaves);
        Assert.Contains("spec.hostSelector.matchLabels", leaves);
        Assert.Contains("spec.image.rootVolume", leaves);
        Assert.Contains("spec.bootstrap.userData", leaves);
        Assert.Contains("metadata.name", leaves);
        Assert.DoesNotContain("spec.workerPools[]", leaves);
    }

    /// <summary>
    /// A value for <paramref name="schema"/> with every property set, collecting every path (and the leaves) in the
    /// notation <see cref="DocumentReader"/> records: dotted, "[]" for array items.
    /// </summary>
    private static JToken Generate(JsonSchema schema, string path, ISet<string> leaves, ISet<string> allPaths)
    {
        var actual = schema.ActualSchema;
        if (path.Length > 0)
        {
            allPaths.Add(path);
        }

        // A field of several shapes (bootstrap: kubeadm, or { userData }): its object shape has the fields to read.
        if (actual.AnyOf.FirstOrDefault(shape => shape.ActualSchema.ActualProperties.Count > 0) is { } objectShape)
        {
            return Generate(objectShape, path, leaves, allPaths);
        }

        if (actual.Type.HasFlag(JsonObjectType.Array))
        {
            var item = actual.Item?.ActualSchema ?? throw new InvalidOperationException($"{path}: array without items");
            if (item.ActualProperties.Count > 0)
            {
                return new JArray(Generate(item, path + "[]", leaves, allPaths));
            }

            // A list of scalars (roles, gpgFingerprints) is read as a whole: the list is the leaf.
            leaves.Add(path);
            return new JArray(Scalar(item, path));
        }

        if (actual.ActualProperties.Count > 0)
        {
            var result = new JObject();
            foreach (var (name, property) in actual.ActualProperties)
            {
                result[name] = Generate(property, path.Length == 0 ? name : path + "." + name, leaves, allPaths);
            }

            return result;
        }

        if (actual.Type.HasFlag(JsonObjectType.Object) || actual.AdditionalPropertiesSchema is not null)
        {
            // A string map (labels, matchLabels): read as a whole.
            leaves.Add(path);
            return new JObject { ["k"] = "v" };
        }

        leaves.Add(path);
        return Scalar(actual, path);
    }

    private static JToken Scalar(JsonSchema schema, string path)
    {
        if (schema.Enumeration.Count > 0)
        {
            return JToken.FromObject(schema.Enumeration.First()!);
        }

        var type = schema.Type;
        return type.HasFlag(JsonObjectType.Integer) ? new JValue(1)
            : type.HasFlag(JsonObjectType.Number) ? new JValue(1.0)
            : type.HasFlag(JsonObjectType.Boolean) ? new JValue(true)
            : type.HasFlag(JsonObjectType.String) ? new JValue("x")
            : throw new InvalidOperationException($"{path}: no scalar type in the schema ({type})");
    }
}
