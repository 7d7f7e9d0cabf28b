using LiquidMetal.Fleet.Loading;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>
/// Rules within one document that the schemas state (so editors show them too) and the loader enforces through
/// NJsonSchema: each one at the key that breaks it, worded as the fix.
/// </summary>
public sealed class SchemaRuleTests
{
    private const string Sled1 = "hosts/sled-1.yaml";
    private const string ClusterA = "clusters/cluster-a.yaml";
    private const string MetalPool = "      mode: metal\n      replicas: 2\n";

    /// <summary>Keywords NJsonSchema 11.6.2 reads without enforcing: a schema using them would promise editors a rule the loader does not keep.</summary>
    private static readonly string[] NotEnforced = ["const", "if", "then", "else", "contains", "propertyNames", "dependencies", "dependentRequired", "dependentSchemas"];

    [Fact]
    public void Load_PoolNamedCp_ErrorAtTheNameSaysItIsReserved()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "name: workers", "name: cp");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "name: cp", 6),
            "spec.workerPools[0].name: worker pool name 'cp' is reserved for control-plane nodes", "choose another name");
    }

    [Theory]
    [InlineData("vcpu: 8")]
    [InlineData("memoryMiB: 16384")]
    public void Load_MetalPoolWithASize_ErrorAtTheSizeSaysItDoesNotApply(string size)
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, MetalPool, MetalPool + "      " + size + "\n");
        var field = size[..size.IndexOf(':')];

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, size),
            $"spec.workerPools[1]: a metal pool claims whole hosts, so {field} does not apply", "remove it (or set mode: microvm)");
    }

    [Fact]
    public void Load_MetalPoolWithBothSizes_OneErrorAtEach()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, MetalPool, MetalPool + "      vcpu: 8\n      memoryMiB: 16384\n");

        var result = files.Load();

        Assert.True(result.Diagnostics.Length == 2, LoadAssert.Show(result));
        LoadAssert.Has(result, files.At(ClusterA, "vcpu: 8"), "so vcpu does not apply");
        LoadAssert.Has(result, files.At(ClusterA, "memoryMiB: 16384"), "so memoryMiB does not apply");
    }

    [Fact]
    public void Load_SizeWrittenBeforeModeMetal_ErrorAtTheModeThatMadeItWrong()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "    - name: upf\n      mode: metal\n", "    - name: upf\n      vcpu: 8\n      mode: metal\n");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "mode: metal"), "a metal pool claims whole hosts, so vcpu does not apply");
    }

    [Theory]
    [InlineData("      mode: microvm\n")]
    [InlineData("")]
    public void Load_MicrovmPoolWithASize_IsValid(string mode)
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "      mode: microvm\n", mode);

        LoadAssert.Valid(files.Load());
    }

    [Fact]
    public void Load_MetalOnlyHostAllowingControlPlanes_ErrorAtControlPlaneAllowed()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "roles: [microvm]", "roles: [metal]");

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "controlPlaneAllowed: true"),
            "spec: controlPlaneAllowed: true needs role microvm", "add microvm to roles, or set controlPlaneAllowed: false");
    }

    [Theory]
    [InlineData("roles: [microvm, metal]", "controlPlaneAllowed: true")]
    [InlineData("roles: [metal]", "controlPlaneAllowed: false")]
    public void Load_HostRolesAgreeWithControlPlaneAllowed_NoSchemaError(string roles, string controlPlane)
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "roles: [microvm]", roles);
        files.Replace(Sled1, "controlPlaneAllowed: true", controlPlane);

        var result = files.Load();

        Assert.DoesNotContain(result.Diagnostics, d => d.Location.File == Sled1);
    }

    [Theory]
    [InlineData("fleet.schema.json")]
    [InlineData("host.schema.json")]
    [InlineData("cluster.schema.json")]
    public void Schema_UsesOnlyKeywordsTheLoaderEnforces(string fileName)
    {
        var used = new List<string>();
        Keywords(JObject.Parse(FleetSchemas.Text(fileName)), "#", used);

        var unenforced = used.Where(u => NotEnforced.Contains(u[(u.LastIndexOf('/') + 1)..])).ToList();
        Assert.True(unenforced.Count == 0, $"{fileName} uses keywords NJsonSchema does not enforce (use enum, not and allOf instead): {string.Join(", ", unenforced)}");
        Assert.Contains(used, u => u.EndsWith("/required", StringComparison.Ordinal)); // the walker sees keywords at all
    }

    [Fact]
    public async Task Validate_ConstAndIfThen_AreStillIgnoredByNJsonSchema()
    {
        // Why the schemas spell a single allowed value as enum and "if metal then no size" as not/allOf. When an
        // NJsonSchema release enforces these, this fails: the schemas may then say it the shorter way.
        var schema = await JsonSchema.FromJsonAsync("""
            { "properties": { "kind": { "const": "Host" } },
              "if": { "properties": { "mode": { "enum": ["metal"] } } }, "then": { "required": ["never"] } }
            """);

        Assert.Empty(schema.Validate(JToken.Parse("""{ "kind": "Cluster", "mode": "metal" }""")));
    }

    /// <summary>Every keyword of a schema and its subschemas, as "json-pointer/keyword"; property names are not keywords.</summary>
    private static void Keywords(JObject schema, string at, List<string> used)
    {
        foreach (var (keyword, value) in schema)
        {
            used.Add(at + "/" + keyword);
            switch (keyword, value)
            {
                case ("properties" or "definitions" or "patternProperties", JObject named):
                    foreach (var (name, sub) in named)
                    {
                        if (sub is JObject subSchema)
                        {
                            Keywords(subSchema, $"{at}/{keyword}/{name}", used);
                        }
                    }

                    break;
                case ("allOf" or "anyOf" or "oneOf", JArray list):
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JObject subSchema)
                        {
                            Keywords(subSchema, $"{at}/{keyword}/{i}", used);
                        }
                    }

                    break;
                case (_, JObject subSchema) when keyword is not ("enum" or "required" or "default" or "examples"):
                    Keywords(subSchema, $"{at}/{keyword}", used);
                    break;
            }
        }
    }
}
