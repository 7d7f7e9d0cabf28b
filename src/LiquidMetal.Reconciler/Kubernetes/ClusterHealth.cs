using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>What a kubeadm cluster's API said about its nodes in one pass, or why it said nothing.</summary>
/// <param name="Error">Why the API did not answer (not reachable yet, TLS, refused); null when it answered.</param>
/// <param name="Nodes">Each Kubernetes Node by name (a node's name is its LiquidMetal node name).</param>
public sealed record ClusterHealth(string? Error, ImmutableSortedDictionary<string, NodeHealth> Nodes)
{
    public static ClusterHealth Unreachable(string error) => new(error, ImmutableSortedDictionary<string, NodeHealth>.Empty.WithComparers(StringComparer.Ordinal));

    public bool Answered => Error is null;
}

/// <summary>One Node's Ready condition as the cluster's API reports it.</summary>
/// <param name="Ready">True, False or Unknown (the condition's status).</param>
public sealed record NodeHealth(string Ready, string? Reason, string? KubeletVersion)
{
    /// <summary>The word status shows beside the VM state: Ready, NotReady or Unknown.</summary>
    public string State => Ready switch
    {
        "True" => "Ready",
        "False" => "NotReady",
        _ => "Unknown",
    };
}
