using LiquidMetal.Reconciler.Pipeline;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiquidMetal.Cli.Output;

/// <summary>OpenTelemetry providers for the reconciler's traces and metrics, exported by OTLP; nothing when no endpoint is given.</summary>
internal sealed class Telemetry : IDisposable
{
    private readonly TracerProvider _traces;
    private readonly MeterProvider _metrics;

    private Telemetry(TracerProvider traces, MeterProvider metrics)
    {
        _traces = traces;
        _metrics = metrics;
    }

    public static Telemetry? Start(string? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }

        var resource = ResourceBuilder.CreateDefault().AddService("liquidmetal-reconciler");
        var traces = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(ReconcilerTelemetry.Name)
            .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint))
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(ReconcilerTelemetry.Name)
            .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint))
            .Build();
        return new Telemetry(traces, metrics);
    }

    public void Dispose()
    {
        _traces.Dispose();
        _metrics.Dispose();
    }
}
