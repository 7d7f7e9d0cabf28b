using LiquidMetal.Reconciler;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiquidMetal.Cli.Output;

/// <summary>OpenTelemetry providers for a daemon's traces and metrics, exported by OTLP; nothing when no endpoint is given.</summary>
internal sealed class Telemetry : IDisposable
{
    private readonly TracerProvider? _traces;
    private readonly MeterProvider _metrics;

    private Telemetry(TracerProvider? traces, MeterProvider metrics)
    {
        _traces = traces;
        _metrics = metrics;
    }

    /// <summary>The reconciler: its traces and metrics.</summary>
    public static Telemetry? Start(string? endpoint) => Start(endpoint, ReconcilerTelemetry.ServiceName, ReconcilerTelemetry.Name, ReconcilerTelemetry.Name);

    /// <summary>A service's traces (from <paramref name="source"/>, if any) and metrics (from <paramref name="meter"/>).</summary>
    public static Telemetry? Start(string? endpoint, string service, string? source, string meter)
    {
        if (endpoint is null)
        {
            return null;
        }

        var resource = ResourceBuilder.CreateDefault().AddService(service);
        var traces = source is null ? null : Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(source)
            .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint))
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(meter)
            .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint))
            .Build();
        return new Telemetry(traces, metrics);
    }

    public void Dispose()
    {
        _traces?.Dispose();
        _metrics.Dispose();
    }
}
