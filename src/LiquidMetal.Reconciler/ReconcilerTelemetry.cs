using System.Diagnostics;
using System.Diagnostics.Metrics;

using LiquidMetal.Reconciler.Agents;

namespace LiquidMetal.Reconciler;

/// <summary>
/// Traces and metrics of the reconciler, through the platform's ActivitySource and Meter: any OpenTelemetry SDK that
/// listens to <see cref="Name"/> exports them (the CLI wires OTLP when an endpoint is configured); nothing is
/// recorded when nobody listens.
/// </summary>
public static class ReconcilerTelemetry
{
    public const string Name = "LiquidMetal.Reconciler";

    /// <summary>The service the reconciler's telemetry names as its source (OpenTelemetry's <c>service.name</c>).</summary>
    public const string ServiceName = "liquidmetal-reconciler";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram<double>("liquidmetal.reconcile.duration", "s", "How long one reconcile took");

    public static readonly Counter<long> ApplyErrors = Meter.CreateCounter<long>("liquidmetal.apply.errors", description: "Hosts whose agent could not be brought to its spec");

    public static readonly Counter<long> PushRetries = Meter.CreateCounter<long>("liquidmetal.status.push_retries", description: "Status pushes redone because the branch moved");

    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("liquidmetal.revisions.rejected", description: "Revisions rejected as invalid");

    private static volatile IReadOnlyDictionary<string, long> _vmsByState = new Dictionary<string, long>();

    static ReconcilerTelemetry() =>
        Meter.CreateObservableGauge("liquidmetal.vms", () => _vmsByState.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key))), description: "VMs by state, as the agents last reported");

    internal static void ObservedVms(IReadOnlyDictionary<string, ObservedHost> observed) =>
        _vmsByState = observed.Values.SelectMany(o => o.Report?.Vms ?? [])
            .GroupBy(vm => vm.Phase.ToString())
            .ToDictionary(g => g.Key, g => (long)g.Count());
}
