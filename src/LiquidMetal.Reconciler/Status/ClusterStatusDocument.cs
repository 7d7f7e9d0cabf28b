using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Status;

/// <summary>status/clusters/&lt;name&gt;.yaml: a cluster's phase, conditions and nodes.</summary>
public sealed record ClusterStatusDocument(string Name, string Phase, ImmutableArray<Condition> Conditions, ImmutableArray<NodeStatus> Nodes)
{
    public int ReadyNodes => Nodes.Count(n => n.State is "Running" or "Ready");

    /// <summary>"cluster-a Ready 8/8": the cluster's part of a status commit's summary line.</summary>
    public string Summary => $"{Name} {Phase} {ReadyNodes}/{Nodes.Length}";
}
