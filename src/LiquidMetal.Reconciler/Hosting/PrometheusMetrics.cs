using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// The reconciler's meter (<see cref="ReconcilerTelemetry"/>) in Prometheus text at <c>/metrics</c> beside the health
/// endpoints. It has a MeterProvider of its own, so it counts whether OTLP exports the same instruments or not; make it
/// before the first pass starts (the host does, with its services), or that pass is not counted.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    /// <summary>Where a scraper finds the metrics.</summary>
    public const string Path = "/metrics";

    // The SDK's default buckets suit milliseconds (0 to 10,000); a pass takes from tens of milliseconds (a poll that finds
    // nothing new) to an hour (a fetch and a push may take 30 minutes each).
    private static readonly double[] PassSeconds = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

    private readonly MeterProvider _provider = Sdk.CreateMeterProviderBuilder()
        .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ReconcilerTelemetry.ServiceName))
        .AddMeter(ReconcilerTelemetry.Name)
        .AddView(ReconcilerTelemetry.ReconcileDuration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = PassSeconds })
        .AddPrometheusExporter()
        .Build();

    /// <summary>Serves <see cref="Path"/> on <paramref name="endpoints"/>.</summary>
    public void MapTo(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path, _provider, configureBranchedPipeline: null, optionsName: null);

    public void Dispose() => _provider.Dispose();
}
