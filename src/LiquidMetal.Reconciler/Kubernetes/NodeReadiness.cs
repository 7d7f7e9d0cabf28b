namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>One Node as the API server sees it: its Ready condition and its kubelet's version.</summary>
/// <param name="Ready">The Ready condition's status; <see cref="NodeReadyStatus.Unknown"/> when there is none.</param>
/// <param name="Reason">The condition's reason (e.g. <c>KubeletReady</c>, <c>NodeStatusUnknown</c>).</param>
/// <param name="Message">The condition's message.</param>
/// <param name="Since">When the condition last changed.</param>
/// <param name="KubeletVersion">From <c>status.nodeInfo.kubeletVersion</c>, e.g. <c>v1.32.3</c>.</param>
public sealed record NodeReadiness(
    NodeReadyStatus Ready,
    string? Reason,
    string? Message,
    DateTimeOffset? Since,
    string? KubeletVersion)
{
    /// <summary>Reason given when a Node has no Ready condition at all (a kubelet that has not reported yet).</summary>
    public const string NoConditionReason = "NoReadyCondition";
}
