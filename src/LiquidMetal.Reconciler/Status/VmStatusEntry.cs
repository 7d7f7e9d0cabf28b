namespace LiquidMetal.Reconciler.Status;

/// <summary>One microVM (or metal assignment) on a host as its agent reported it.</summary>
public sealed record VmStatusEntry(string Id, string Cluster, string State, DateTimeOffset? Since, string? Reason, int Restarts);
