using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Everything under status/ at one commit of the status branch.</summary>
public sealed record StatusSnapshot(
    string Commit,
    FleetStatusDocument? Fleet,
    ImmutableArray<ClusterStatusDocument> Clusters,
    ImmutableArray<HostStatusDocument> Hosts);
