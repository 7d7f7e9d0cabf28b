namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>Template problems in spec.bootstrap.userData, reported at the spot in the YAML file.</summary>
public sealed class UserDataTemplateLoadingTests
{
    private const string ClusterA = "clusters/cluster-a.yaml";
    private const string ClusterB = "clusters/cluster-b.yaml";

    [Fact]
    public void Load_MisspelledTemplateVariable_ErrorAtTheBracesWithSuggestion()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "hostname: {{ node.name }}", "hostname: {{ node.nmae }}");

        var result = files.Load();

        var diagnostic = LoadAssert.Single(result, files.At(ClusterA, "{{ node.nmae }}"),
            "spec.bootstrap.userData: unknown template variable 'node.nmae'", "(did you mean 'node.name'?)", "known: cluster.name");
        Assert.Equal((34, 17), (diagnostic.Location.Line, diagnostic.Location.Column));
    }

    [Fact]
    public void Load_UnknownVariableInNestedLiteralBlock_ErrorPointsInsideIt()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "CLUSTER={{ cluster.name }}", "CLUSTER={{ cluster.nam }}");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "{{ cluster.nam }}"), "unknown template variable 'cluster.nam'", "did you mean 'cluster.name'");
    }

    [Fact]
    public void Load_UnclosedBracesAsFirstVariable_ErrorAtTheBraces()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "hostname: {{ node.name }}", "hostname: {{ node.name");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterB, "{{ node.name"), "'{{' is never closed with '}}'", "\\{{");
    }

    [Fact]
    public void Load_UnclosedBracesAfterValidVariables_ErrorAtTheUnclosedBraces()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterA, "ROLE={{ node.role }}", "ROLE={{ node.role");

        var result = files.Load();

        LoadAssert.Single(result, files.At(ClusterA, "ROLE={{", 5), "'{{' is never closed");
    }

    [Fact]
    public void Load_SameUnknownVariableTwice_EachErrorAtItsOwnUse()
    {
        var files = FleetFiles.Example();
        files[ClusterA] = files[ClusterA].Replace("{{ node.role }}", "{{ node.rol }}", StringComparison.Ordinal);

        var result = files.Load();

        Assert.Null(result.Fleet);
        Assert.Equal(
            [files.At(ClusterA, "{{ node.rol }}", occurrence: 1), files.At(ClusterA, "{{ node.rol }}", occurrence: 2)],
            result.Diagnostics.Select(d => d.Location));
    }

    [Fact]
    public void Load_EscapedBraces_AreNotAVariable()
    {
        var files = FleetFiles.Example();
        files.Replace(ClusterB, "hostname: {{ node.name }}", "hostname: {{ node.name }}\n      # literal: \\{{ not.a.variable }}");

        LoadAssert.Valid(files.Load());
    }
}
