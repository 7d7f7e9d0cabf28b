namespace LiquidMetal.Reconciler.Status;

/// <summary>One node of a cluster as observed: where it runs, its state, since when, and why.</summary>
public sealed record NodeStatus(string Name, string Role, string? Host, string State, DateTimeOffset? Since, string? Reason);
