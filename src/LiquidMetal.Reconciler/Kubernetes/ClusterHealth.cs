using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>What a kubeadm cluster's API said about its nodes in one pass, or why it said nothing.</summary>
/// <param name="Error">Why the API did not answer (not reachable yet, TLS, refused); null when it answered.</param>
/// <param name="Nodes">Each Kubernetes Node by name (a node's name is its LiquidMetal node name).</param>
public sealed record ClusterHealth(string? Error, ImmutableSortedDictionary<string, NodeReadiness> Nodes)
{
    public static ClusterHealth Unreachable(string error) => new(error, ImmutableSortedDictionary<string, NodeReadiness>.Empty.WithComparers(StringComparer.Ordinal));

    public static ClusterHealth Answered(IReadOnlyDictionary<string, NodeReadiness> nodes) => new(null, nodes.ToImmutableSortedDictionary(StringComparer.Ordinal));

    public bool DidAnswer => Error is null;

    /// <summary>The word status shows beside a VM's state: Ready, NotReady or Unknown.</summary>
    public static string StateOf(NodeReadiness node) => node.Ready switch
    {
        NodeReadyStatus.True => "Ready",
        NodeReadyStatus.False => "NotReady",
        _ => "Unknown",
    };
}
