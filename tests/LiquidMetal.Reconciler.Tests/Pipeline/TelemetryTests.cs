using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>One trace per reconcile (fetch, load+validate+place+render, apply per host, status) and the reconcile metrics.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Reconcile_OneTraceWithAStagePerStepAndASpanPerHost_AndMetrics()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ReconcilerTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var durations = new ConcurrentBag<double>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ReconcilerTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "liquidmetal.reconcile.duration")
            {
                durations.Add(value);
            }
        });
        meters.Start();

        var result = await reconciler.RunAsync();

        // Other tests reconcile in parallel; this reconcile's trace is the one tagged with its revision.
        var root = Assert.Single(spans, s => s.OperationName == "reconcile" && (string?)s.GetTagItem("liquidmetal.revision") == result.Revision);
        var trace = spans.Where(s => s.TraceId == root.TraceId).Select(s => s.OperationName).ToList();
        Assert.Contains("fetch", trace);
        Assert.Contains("load, validate, place, render", trace);
        Assert.Contains("apply", trace);
        Assert.Contains("status", trace);
        Assert.Equal(5, trace.Count(n => n == "observe host"));
        Assert.Equal(5, spans.Count(s => s.OperationName == "apply host" && s.TraceId == root.TraceId));
        Assert.All(spans.Where(s => s.OperationName == "apply host" && s.TraceId == root.TraceId), s => Assert.StartsWith("sled-", (string)s.GetTagItem("liquidmetal.host")!));
        Assert.NotEmpty(durations);
    }
}
