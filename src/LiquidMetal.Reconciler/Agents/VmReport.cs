namespace LiquidMetal.Reconciler.Agents;

/// <summary>One microVM as its agent reports it: which spec (by hash) it runs and in what state.</summary>
public sealed record VmReport(string Id, string Cluster, string Hash, VmPhase Phase, string Reason, DateTimeOffset? Since, int Restarts);
