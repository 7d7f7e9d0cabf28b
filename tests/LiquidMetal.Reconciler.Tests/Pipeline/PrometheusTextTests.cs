namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The exposition reader the /metrics tests lean on: it reads what the format allows and refuses the rest.</summary>
public sealed class PrometheusTextTests
{
    private const string Valid = """
        # HELP passes_seconds How long a pass took, with a \\ and a\nsecond line
        # TYPE passes_seconds histogram
        passes_seconds_bucket{converged="true",le="0.5"} 1 1700000000000
        passes_seconds_bucket{converged="true",le="+Inf"} 3 1700000000000
        passes_seconds_sum{converged="true"} 7.25 1700000000000
        passes_seconds_count{converged="true"} 3 1700000000000
        # TYPE errors_total counter
        errors_total 0

        # TYPE vms gauge
        vms{state="Running",note="a \"quoted\" \\ value",} 12
        vms{state="Failed"} -Inf

        """;

    [Fact]
    public void Parse_ValidExposition_FamiliesWithTypesHelpLabelsAndValues()
    {
        var families = PrometheusText.Parse(Valid.Replace("\r", string.Empty, StringComparison.Ordinal));

        Assert.Equal(["passes_seconds", "errors_total", "vms"], families.Keys);
        var passes = families["passes_seconds"];
        Assert.Equal("histogram", passes.Type);
        Assert.Equal("How long a pass took, with a \\ and a\nsecond line", passes.Help);
        Assert.Equal(3, passes.Sum("passes_seconds_count", ("converged", "true")));
        Assert.Equal(0, passes.Sum("passes_seconds_count", ("converged", "false")));
        Assert.Equal(7.25, passes.Sum("passes_seconds_sum"));
        Assert.Equal(0, families["errors_total"].Sum("errors_total"));
        var vms = families["vms"].Samples;
        Assert.Equal("a \"quoted\" \\ value", vms[0].Labels["note"]);
        Assert.Equal(12, vms[0].Value);
        Assert.Equal(double.NegativeInfinity, vms[1].Value);
    }

    [Theory]
    [InlineData("# TYPE a gauge\na 1", "does not end with a line feed")]
    [InlineData("# EOF\n", "a comment other than")]
    [InlineData("# UNIT a seconds\n", "a comment other than")]
    [InlineData("a 1\n", "belongs to no family with a TYPE")]
    [InlineData("# TYPE a gauge\na\n", "not 'name")]
    [InlineData("# TYPE a gauge\na one\n", "not 'name")]
    [InlineData("# TYPE a gauge\na{b=\"c} 1\n", "not 'name")]
    [InlineData("# TYPE a gauge\na{b=c} 1\n", "not 'name")]
    [InlineData("# TYPE a gauge\na{1b=\"c\"} 1\n", "not 'name")]
    [InlineData("# TYPE a.b gauge\na.b 1\n", "a comment other than")]
    [InlineData("# TYPE a gauge\na{b=\"\\t\"} 1\n", "the escape \\t")]
    [InlineData("# TYPE a gauge\na{b=\"c\",b=\"d\"} 1\n", "label b twice")]
    [InlineData("# TYPE a gauge\na 1\na 2\n", "a second time")]
    [InlineData("# TYPE a gauge\n# TYPE a counter\n", "a second TYPE")]
    [InlineData("# TYPE a meter\n", "unknown type meter")]
    [InlineData("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a late\n", "a again after other families")]
    [InlineData("# HELP a text\n", "a HELP but no TYPE")]
    [InlineData("# TYPE a counter\na -1\n", "negative or NaN")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n", "the last bucket is not le=\"+Inf\"")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "the last bucket is not le=\"+Inf\"")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n", "not cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n", "no _count")]
    public void Parse_InvalidExposition_FormatExceptionSayingWhy(string text, string why)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }
}
