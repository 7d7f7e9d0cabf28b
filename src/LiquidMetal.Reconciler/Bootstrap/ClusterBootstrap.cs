using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>
/// What the reconciler keeps for one kubeadm cluster on the status branch: its secrets (sealed) and who creates it.
/// Exactly one control plane is ever told to run kubeadm init: <see cref="InitNode"/>, while its rendered spec is
/// <see cref="InitSpecHash"/> and the cluster has not answered yet. Once its API has answered, every node joins.
/// </summary>
/// <param name="Endpoint">The cluster's API endpoint when last written (what `liquidmetal kubeconfig` points at).</param>
public sealed record ClusterBootstrap(ClusterSecrets Secrets, string Endpoint, string InitNode, string InitSpecHash, bool Initialized)
{
    /// <summary>Whether this control plane, with this spec, is the one that runs kubeadm init.</summary>
    public bool Inits(string node, string specHash) => !Initialized && node == InitNode && specHash == InitSpecHash;
}
