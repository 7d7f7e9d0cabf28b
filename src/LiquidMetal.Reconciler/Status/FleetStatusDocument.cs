using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// status/fleet.yaml: the three revisions (fetched, rendered, applied, as Config Sync reports them),
/// the fleet's conditions and, when the last fetched revision was rejected, its errors as file:line:col.
/// </summary>
public sealed record FleetStatusDocument(
    string? FetchedRevision,
    string? RenderedRevision,
    string? AppliedRevision,
    ImmutableArray<Condition> Conditions,
    ImmutableArray<string> Errors);
