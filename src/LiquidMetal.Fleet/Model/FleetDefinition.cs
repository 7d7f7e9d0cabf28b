using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Fleet.Model;

/// <summary>A whole loaded fleet: settings, hosts, clusters and networks (each sorted by name), and where every value came from.</summary>
public sealed record FleetDefinition(
    FleetSettings Settings,
    ImmutableArray<HostDefinition> Hosts,
    ImmutableArray<ClusterDefinition> Clusters,
    SourceMap Sources)
{
    /// <summary>The networks (networks/*.yaml), sorted by name.</summary>
    public ImmutableArray<NetworkDefinition> Networks { get; init; } = [];
}
