using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Planning;

/// <summary>What moving the fleet from a base to a head revision does, host by host.</summary>
public sealed record Plan(string Fleet, double CpuOvercommit, ImmutableArray<HostPlan> Hosts)
{
    /// <summary>What the status branch knows about hosts that a reader of the plan should know too (none without a status branch).</summary>
    public ImmutableArray<HostNotice> Notices { get; init; } = [];

    /// <summary>Clusters whose running control planes are replaced, in the order the reconciler replaces them.</summary>
    public ImmutableArray<ClusterRollout> Rollouts { get; init; } = [];

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

/// <summary>
/// How a cluster's replacements roll (as the reconciler's rollout planner does them): control planes one at a time, each
/// running a settle time before the next; in a kubeadm cluster its workers only after the last control plane.
/// </summary>
/// <param name="VersionBefore">The Kubernetes version the replaced nodes run (empty when it does not change).</param>
/// <param name="ControlPlanes">How many control planes the cluster has after the change.</param>
/// <param name="ControlPlaneOrder">The running control planes to replace, in order.</param>
/// <param name="Workers">The running workers to replace (microVMs and metal).</param>
/// <param name="WorkersWait">Whether the workers wait for the control planes (kubeadm: no kubelet newer than its API server).</param>
public sealed record ClusterRollout(
    string Cluster,
    string VersionBefore,
    string VersionAfter,
    int ControlPlanes,
    ImmutableArray<string> ControlPlaneOrder,
    ImmutableArray<string> Workers,
    bool WorkersWait)
{
    /// <summary>How many control planes a running etcd needs (a majority).</summary>
    public int Quorum => ControlPlanes / 2 + 1;

    /// <summary>One sentence: the order, and whether quorum holds throughout.</summary>
    public string Describe()
    {
        var version = VersionBefore.Length > 0 && VersionBefore != VersionAfter ? $"Kubernetes {VersionBefore} -> {VersionAfter}: " : string.Empty;
        var order = $"control planes replaced one at a time ({string.Join(", ", ControlPlaneOrder)})";
        var quorum = ControlPlanes == 1
            ? "; its only control plane is replaced, so its API is down while the new one boots (3 control planes upgrade without a break)"
            : ControlPlanes - 1 >= Quorum
                ? $"; at least {ControlPlanes - 1} of {ControlPlanes} run throughout, never below etcd's quorum of {Quorum}"
                : $"; with {ControlPlanes} control planes etcd loses its quorum of {Quorum} while one is replaced (3 keep it)";
        var workers = Workers.IsEmpty ? string.Empty
            : WorkersWait ? $"; then its {Workers.Length} worker(s), once every control plane runs the new spec"
            : $"; its {Workers.Length} worker(s) alongside";
        return $"{Cluster}: {version}{order}{quorum}{workers}";
    }
}
