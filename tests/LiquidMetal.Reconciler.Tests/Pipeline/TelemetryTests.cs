using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.Logging;

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

    [Fact]
    public async Task Reconcile_LogsEachChangeOnceWithRevisionHostClusterAndVmAsFields()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var logger = new CapturingLogger();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { Logger = logger });

        await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));
        await fleet.Agents["sled-3"].Server.DisposeAsync();
        await reconciler.RunAsync();
        await reconciler.RunAsync();

        var running = logger.Events.Where(e => e.Id == 512 && (string?)e.Fields["To"] == "Running").ToList();
        Assert.Equal(12, running.Count); // each VM's way to Running is logged once, not once per pass
        Assert.All(running, e =>
        {
            Assert.Equal(fleet.Head, e.Fields["Revision"]);
            Assert.StartsWith("sled-", (string)e.Fields["Host"]!, StringComparison.Ordinal);
            Assert.StartsWith("cluster-", (string)e.Fields["Cluster"]!, StringComparison.Ordinal);
            Assert.StartsWith((string)e.Fields["Cluster"]! + "-", (string)e.Fields["Vm"]!, StringComparison.Ordinal);
        });
        Assert.Equal(5, logger.Events.Count(e => e.Id == 510)); // one Apply per host
        var lost = Assert.Single(logger.Events, e => e.Id == 511); // sled-3 went away: said once over two passes
        Assert.Equal("sled-3", lost.Fields["Host"]);
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.DoesNotContain(logger.Events, e => e.Id == 514); // its VMs are not "gone": it was not heard from

        // A rejected head is logged once, not on every pass that finds it again.
        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: many", StringComparison.Ordinal), "broken");
        await reconciler.RunAsync();
        await reconciler.RunAsync();
        Assert.Single(logger.Events, e => e.Id == 515);
    }

    private sealed class CapturingLogger : ILogger
    {
        public ConcurrentQueue<(int Id, LogLevel Level, Dictionary<string, object?> Fields)> Events { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Enqueue((eventId.Id, logLevel, state is IEnumerable<KeyValuePair<string, object?>> fields ? fields.ToDictionary(f => f.Key, f => f.Value) : []));
    }
}
