namespace LiquidMetal.Reconciler.Agents;

/// <summary>A host's metal assignment as its agent reports it.</summary>
public sealed record MetalReport(string Node, string Hash, MetalPhase Phase, string Reason, DateTimeOffset? Since);
