using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>Schema errors: each at the YAML that caused it, saying what is wrong and what would be right.</summary>
public sealed class SchemaErrorTests
{
    private const string Sled1 = "hosts/sled-1.yaml";
    private const string ClusterA = "clusters/cluster-a.yaml";

    [Theory]
    [InlineData(Sled1, "cpu: 32", "cpu: \"lots\"", "\"lots\"", 0, "spec.capacity.cpu: expected a whole number, found 'lots'")]
    [InlineData(ClusterA, "- name: workers\n      mode: microvm\n      replicas: 3", "- name: workers\n      mode: microvm\n      replicas: three", "three", 0, "spec.workerPools[0].replicas: expected a whole number, found 'three'")]
    [InlineData(Sled1, "controlPlaneAllowed: true", "controlPlaneAllowed: maybe", "maybe", 0, "spec.controlPlaneAllowed: expected true or false, found 'maybe'")]
    [InlineData(Sled1, "  labels:\n", "  labels:\n    sled: 1\n", "sled: 1", 6, "metadata.labels.sled: expected a string, found 1 (quote it to make it a string)")]
    [InlineData(ClusterA, "vcpu: 4", "vcpu: 4.5", "4.5", 0, "spec.workerPools[0].vcpu: expected a whole number, found 4.5")]
    [InlineData(ClusterA, "mode: metal", "mode: metall", "metall", 0, "spec.workerPools[1].mode: 'metall' is not allowed; expected one of microvm, metal")]
    [InlineData(ClusterA, "replicas: 2", "replicas: 2000", "2000", 0, "spec.workerPools[1].replicas: 2000 is more than the maximum 1000")]
    [InlineData(Sled1, "roles: [microvm]", "roles: microvm", "microvm", 0, "spec.roles: expected a list, found 'microvm'")]
    [InlineData(Sled1, "endpoint: https://sled-1.openedge-lab.example:7443", "endpoint: sled-1:7443", "sled-1:7443", 0, "spec.agent.endpoint: 'sled-1:7443' is not an http:// or https:// URL")]
    public void Load_WrongValueType_ErrorAtTheValue(string file, string oldText, string newText, string pointAt, int offset, string message)
    {
        var files = FleetFiles.Example();
        files.Replace(file, oldText, newText);

        var result = files.Load();

        LoadAssert.Single(result, files.At(file, pointAt, offset), message);
    }

    [Fact]
    public void Load_NumberForDottedLabelKey_ErrorAtTheValueSuggestsQuoting()
    {
        // The realistic mistake: a label key with dots and a slash, as every label in the example has.
        var files = FleetFiles.Example();
        files.Replace(Sled1, "liquidmetal.dev/sled: \"1\"", "liquidmetal.dev/sled: 1");

        var result = files.Load();

        var diagnostic = LoadAssert.Single(result, files.At(Sled1, "sled: 1", 6), "expected a string, found 1", "quote it to make it a string");
        LoadAssert.Contains(diagnostic, "liquidmetal.dev/sled");
    }

    [Fact]
    public void Load_TypoInFieldName_ErrorNamesTheFieldAndListsTheExpectedOnes()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "      replicas: 3\n      vcpu: 4", "      replica: 3\n      vcpu: 4");

        var result = files.Load();

        Assert.Null(result.Fleet);
        Assert.True(result.Diagnostics.Length == 2, LoadAssert.Show(result));
        var unknown = Assert.Single(result.Diagnostics, d => d.Message.Contains("unknown field", StringComparison.Ordinal));
        Assert.Equal((ClusterA, 22), (unknown.Location.File, unknown.Location.Line));
        LoadAssert.Contains(unknown, "spec.workerPools[0]", "unknown field 'replica'", "expected one of hostSelector, memoryMiB, mode, name, replicas, vcpu");
        // The typo also leaves the pool without replicas: reported at the pool (its first key).
        LoadAssert.Has(result, files.At(ClusterA, "name: workers"), "missing required field 'replicas'");
    }

    [Fact]
    public void Load_UnknownFieldWithScalarValue_ErrorAtTheKey()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "      replicas: 3\n      vcpu: 4", "      replicas: 3\n      zone: a\n      vcpu: 4");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "zone: a"), "unknown field 'zone'");
    }

    [Fact]
    public void Load_UnknownTopLevelField_ErrorNamesIt()
    {
        var files = FleetFiles.Example();
        files["fleet.yaml"] += "specs:\n  foo: 1\n";

        var result = files.Load();

        // The value is a mapping, so the location is the key.
        LoadAssert.Single(result, files.At("fleet.yaml", "specs:"), "unknown field 'specs'", "expected one of apiVersion, kind, metadata, spec");
    }

    [Fact]
    public void Load_MissingCapacity_ErrorAtSpecNamesTheField()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "  capacity:\n    cpu: 32\n    memoryMiB: 98304\n", string.Empty);

        var result = files.Load();

        LoadAssert.Single(result, files.At(Sled1, "spec:"), "missing required field 'capacity'");
    }

    [Fact]
    public void Load_MissingApiVersion_ErrorAtTheDocument()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "apiVersion: liquidmetal.dev/v1alpha1\n", string.Empty);

        var result = files.Load();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(Sled1, diagnostic.Location.File);
        LoadAssert.Contains(diagnostic, "missing required field 'apiVersion'");
    }

    [Fact]
    public void Load_WrongApiVersion_ErrorListsTheSupportedOne()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "apiVersion: liquidmetal.dev/v1alpha1", "apiVersion: liquidmetal.dev/v1");

        LoadAssert.Single(files.Load(), files.At(Sled1, "liquidmetal.dev/v1"), "apiVersion: 'liquidmetal.dev/v1' is not allowed; expected one of liquidmetal.dev/v1alpha1");
    }

    [Theory]
    [InlineData("Sled_1", "is not a lowercase DNS label")]
    [InlineData("SLED-1", "is not a lowercase DNS label")]
    [InlineData("sled-1-", "is not a lowercase DNS label")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "is longer than 63 characters")]
    public void Load_NameNotADnsLabel_ErrorAtTheName(string name, string message)
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "name: sled-1", "name: " + name);

        var result = files.Load();

        var diagnostic = LoadAssert.Single(result, files.At(Sled1, "name: ", 6), "metadata.name", message);
        Assert.Equal(5, diagnostic.Location.Line);
    }

    [Fact]
    public void Load_NameDiffersFromFileName_ErrorSaysRenameEither()
    {
        var files = FleetFiles.Example();
        files.Replace(Sled1, "name: sled-1", "name: sled-9");

        var result = files.Load();

        LoadAssert.Single(result, new SourceLocation(Sled1, 5, 9),
            "metadata.name 'sled-9' does not match the file name hosts/sled-1.yaml", "rename the file to hosts/sled-9.yaml or set metadata.name: sled-1");
    }

    [Fact]
    public void Load_ClusterNameDiffersFromFileName_ErrorSaysRenameEither()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "name: cluster-a", "name: cluster-x");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "cluster-x"),
            "does not match the file name clusters/cluster-a.yaml", "rename the file to clusters/cluster-x.yaml or set metadata.name: cluster-a");
    }
}
