namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>What <see cref="ClusterApi.EnsureBootstrapTokenAsync"/> found or did.</summary>
public enum BootstrapTokenSecretResult
{
    /// <summary>The Secret was there already, with this token.</summary>
    Present,

    /// <summary>The Secret was created.</summary>
    Created,
}
