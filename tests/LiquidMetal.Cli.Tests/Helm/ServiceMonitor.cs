using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LiquidMetal.Cli.Tests.Helm;

/// <summary>
/// The Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1), which KubernetesClient has no model for: the
/// fields of the CRD's schema that the chart may set, named as the CRD names them, so strict parsing checks the chart
/// against them as it checks the built-in kinds against theirs.
/// </summary>
public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ServiceMonitorSpec Spec { get; set; } = new();

    public sealed class ServiceMonitorSpec
    {
        [JsonPropertyName("selector")]
        public V1LabelSelector Selector { get; set; } = new();

        [JsonPropertyName("namespaceSelector")]
        public NamespaceSelector? NamespaceSelector { get; set; }

        [JsonPropertyName("endpoints")]
        public List<Endpoint> Endpoints { get; set; } = [];

        [JsonPropertyName("jobLabel")]
        public string? JobLabel { get; set; }
    }

    public sealed class NamespaceSelector
    {
        [JsonPropertyName("any")]
        public bool? Any { get; set; }

        [JsonPropertyName("matchNames")]
        public List<string>? MatchNames { get; set; }
    }

    public sealed class Endpoint
    {
        [JsonPropertyName("port")]
        public string? Port { get; set; }

        [JsonPropertyName("path")]
        public string? Path { get; set; }

        [JsonPropertyName("scheme")]
        public string? Scheme { get; set; }

        [JsonPropertyName("interval")]
        public string? Interval { get; set; }

        [JsonPropertyName("scrapeTimeout")]
        public string? ScrapeTimeout { get; set; }
    }
}
