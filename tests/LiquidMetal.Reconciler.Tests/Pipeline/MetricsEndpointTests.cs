using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// /metrics on the reconciler's listener, over real HTTP: Prometheus text with every instrument of the reconciler's
/// meter, counting the passes the loop ran over a real fleet. The meter is static and other tests reconcile in the same
/// process, so counts are checked as "at least what this loop did"; the real process, alone, is checked exactly in
/// ReconcilerProcessTests.
/// </summary>
public sealed class MetricsEndpointTests
{
    /// <summary>Every instrument of <see cref="ReconcilerTelemetry"/>, by the name and type Prometheus gives it.</summary>
    private static readonly Dictionary<string, (string Family, string Type)> Expected = new()
    {
        ["liquidmetal.reconcile.duration"] = ("liquidmetal_reconcile_duration_seconds", "histogram"),
        ["liquidmetal.apply.errors"] = ("liquidmetal_apply_errors_total", "counter"),
        ["liquidmetal.status.push_retries"] = ("liquidmetal_status_push_retries_total", "counter"),
        ["liquidmetal.revisions.rejected"] = ("liquidmetal_revisions_rejected_total", "counter"),
        ["liquidmetal.vms"] = ("liquidmetal_vms", "gauge"),
    };

    [Fact]
    public async Task Metrics_LoopOverARealFleet_PrometheusTextThatCountsItsPassesAndARejectedRevision()
    {
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), InstrumentsOfTheReconcilerMeter());
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            PollInterval = TimeSpan.FromSeconds(1), // how the loop sees the push below
            ResyncInterval = TimeSpan.FromHours(1),
        });
        using var http = new HttpClient { BaseAddress = loop.Address };
        await Eventually.TrueAsync(() => loop.Last?.Converged == true, "the fleet converged");

        var response = await http.GetAsync(PrometheusMetrics.Path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var text = await response.Content.ReadAsStringAsync();
        var families = PrometheusText.Parse(text);

        // The passes so far: at least one, and the last converged. The buckets are in seconds, not the SDK's milliseconds.
        var duration = families["liquidmetal_reconcile_duration_seconds"];
        Assert.Equal(("histogram", "How long one reconcile took"), (duration.Type, duration.Help));
        var passes = duration.Sum("liquidmetal_reconcile_duration_seconds_count");
        Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_count", ("converged", "true")) >= 1, text);
        Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_sum") > 0, text);
        Assert.Equal(
            ["0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "300", "1800", "+Inf"],
            duration.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels["converged"] == "true").Select(s => s.Labels["le"]));
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz")); // the same listener
        var rejected = Rejections(families);

        var broken = fleet.Push("clusters/cluster-b.yaml", t => t.Replace("replicas: 3  # demo: workers", "replicas: lots", StringComparison.Ordinal), "broken");
        await Eventually.TrueAsync(() => loop.Last?.Revision == broken, "the broken head was seen");

        // A scrape may be answered from the exporter's cache for 300 ms: ask until the rejection shows, or time runs out.
        var clock = Stopwatch.StartNew();
        do
        {
            families = PrometheusText.Parse(text = await http.GetStringAsync(PrometheusMetrics.Path));
        }
        while (Rejections(families) < rejected + 1 && clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.True(Rejections(families) >= rejected + 1, text);
        Assert.Equal("counter", families["liquidmetal_revisions_rejected_total"].Type);
        duration = families["liquidmetal_reconcile_duration_seconds"];
        Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_count") >= passes + 1, text);
        Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_count", ("converged", "false")) >= 1, text);

        // Every instrument that has counted is there with its type, and nothing else of ours. (A counter appears with its
        // first count, and this loop has no reason to retry a status push.)
        var ours = families.Values.Where(f => f.Name.StartsWith("liquidmetal_", StringComparison.Ordinal)).ToDictionary(f => f.Name, f => f.Type);
        Assert.All(Expected.Values.Where(e => e.Family != "liquidmetal_status_push_retries_total"), e => Assert.Equal(e.Type, ours.GetValueOrDefault(e.Family)));
        Assert.All(ours, f => Assert.Contains((f.Key, f.Value!), Expected.Values));

        // What Prometheus itself asks for: OpenMetrics, which ends with # EOF.
        using var openMetrics = new HttpRequestMessage(HttpMethod.Get, PrometheusMetrics.Path);
        openMetrics.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text;version=1.0.0"));
        response = await http.SendAsync(openMetrics);
        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("liquidmetal_reconcile_duration_seconds_count{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ServeMetricsOff_NotFoundWhileHealthAnswers()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await using var loop = await ReconcilerHost.StartAsync(pass, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            ServeMetrics = false,
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
        }, time: fleet.Clock);
        using var http = new HttpClient { BaseAddress = loop.Address };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(PrometheusMetrics.Path)).StatusCode);
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
    }

    /// <summary>Revisions rejected, as counted on /metrics (none before the first).</summary>
    private static double Rejections(IReadOnlyDictionary<string, PrometheusText.Family> families) =>
        families.TryGetValue("liquidmetal_revisions_rejected_total", out var counter) ? counter.Sum(counter.Name) : 0;

    /// <summary>The names of the instruments the reconciler's meter publishes.</summary>
    private static List<string> InstrumentsOfTheReconcilerMeter()
    {
        RuntimeHelpers.RunClassConstructor(typeof(ReconcilerTelemetry).TypeHandle); // its instruments are made there
        var names = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ReconcilerTelemetry.Name)
                {
                    names.Add(instrument.Name);
                }
            },
        };
        listener.Start();
        return [.. names.Order(StringComparer.Ordinal)];
    }
}
