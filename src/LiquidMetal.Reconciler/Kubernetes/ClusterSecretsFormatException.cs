namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>A stored ClusterSecrets document that cannot be read; the message names the field, never a key.</summary>
public sealed class ClusterSecretsFormatException(string message) : FormatException(message);
