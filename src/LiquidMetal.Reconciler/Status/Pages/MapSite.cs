using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>Hosts drawn together on the capacity map: a site (label liquidmetal.dev/site) or, for hosts without one, a failure domain.</summary>
/// <param name="Kind">"site" or "failure domain".</param>
public sealed record MapSite(string Name, string Kind, ImmutableArray<MapHost> Hosts);
