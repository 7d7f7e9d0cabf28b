namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>What the reconciler asks of a cluster's API server; <see cref="ClusterApi"/> is the real one.</summary>
public interface IClusterApi : IDisposable
{
    /// <summary>Every Node by name, with its Ready condition and kubelet version.</summary>
    Task<IReadOnlyDictionary<string, NodeReadiness>> NodesAsync(CancellationToken cancellationToken);

    /// <summary>Makes sure the token's <c>kube-system/bootstrap-token-&lt;id&gt;</c> Secret exists.</summary>
    Task<BootstrapTokenSecretResult> EnsureBootstrapTokenAsync(BootstrapToken token, CancellationToken cancellationToken);

    /// <summary>Sets kubeadm-config's kubernetesVersion (before a control plane of a new release joins); returns what it held.</summary>
    Task<string?> SetKubeadmVersionAsync(string version, CancellationToken cancellationToken);
}
