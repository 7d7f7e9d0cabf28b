using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Planning;

/// <summary>What moving the fleet from a base to a head revision does, host by host.</summary>
public sealed record Plan(string Fleet, double CpuOvercommit, ImmutableArray<HostPlan> Hosts)
{
    /// <summary>What the status branch knows about hosts that a reader of the plan should know too (none without a status branch).</summary>
    public ImmutableArray<HostNotice> Notices { get; init; } = [];

    public int Count(ActionKind kind) => Hosts.Sum(h => h.Actions.Count(a => a.Kind == kind && !a.Held));

    public int Held => Hosts.Sum(h => h.Actions.Count(a => a.Held));

    /// <summary>Whether applying head changes anything (held actions of suspended clusters do not count).</summary>
    public bool HasChanges => Hosts.Any(h => h.Change is HostChange.Added or HostChange.Removed || h.Actions.Any(a => !a.Held));
}

/// <summary>One host's part of a plan, with its allocation before and after.</summary>
public sealed record HostPlan(
    string Host,
    HostChange Change,
    ImmutableArray<PlanAction> Actions,
    Resources AllocatedBefore,
    Resources AllocatedAfter,
    Resources Allocatable);

public enum HostChange
{
    Unchanged,
    Changed,
    Added,
    Removed,
}

public enum ActionKind
{
    Create,
    Replace,
    Delete,
}

/// <summary>
/// One thing to do on a host. MicroVMs are immutable, so a changed spec is a replace; <see cref="Changes"/> says which
/// fields changed. <see cref="Reason"/> explains creates and deletes ("scaled up", "moved from sled-2").
/// <see cref="Held"/>: the cluster is suspended, so the reconciler will not do this until it is resumed.
/// </summary>
public sealed record PlanAction(
    ActionKind Kind,
    string Node,
    string Cluster,
    string Role,
    Resources Size,
    string Reason,
    ImmutableArray<FieldChange> Changes,
    bool Held);

/// <summary>A field that differs between base and head (long values such as user-data are summarized).</summary>
public sealed record FieldChange(string Field, string Before, string After);

/// <summary>
/// A host's condition that does not hold, as the reconciler last recorded it on the status branch (e.g. CapacityMatches:
/// its agent offers less than the fleet declares), with what the plan adds to it.
/// </summary>
public sealed record HostNotice(string Host, string Condition, string Reason, string Message);
