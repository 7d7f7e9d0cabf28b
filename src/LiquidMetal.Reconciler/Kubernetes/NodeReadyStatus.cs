namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>The status of a Node's Ready condition, as Kubernetes spells it.</summary>
public enum NodeReadyStatus
{
    /// <summary>The node controller lost the kubelet, or the kubelet has not reported yet.</summary>
    Unknown,
    True,
    False,
}
