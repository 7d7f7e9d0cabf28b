using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Scheduling;

/// <summary>
/// One node the fleet asks for, with its size and where in the cluster file it comes from
/// (<see cref="PoolPath"/>, e.g. "spec.workerPools[0]"). Metal nodes have no size: they claim a whole host.
/// </summary>
public sealed record DesiredNode(NodeRef Ref, Resources Size, ClusterDefinition Cluster, WorkerPoolSpec? Pool, string PoolPath)
{
    public string Name => Ref.Name;

    public bool IsMetal => Ref.Role == NodeRole.Metal;

    /// <summary>Every node of a fleet in a fixed order: clusters by name, control plane first, then pools as written, ordinals ascending.</summary>
    public static List<DesiredNode> Enumerate(FleetDefinition fleet)
    {
        var nodes = new List<DesiredNode>();
        foreach (var cluster in fleet.Clusters)
        {
            var cp = cluster.ControlPlane;
            for (var ordinal = 1; ordinal <= cp.Replicas; ordinal++)
            {
                var name = NodeRef.NameOf(cluster.Name, NodeRef.ControlPlanePool, ordinal);
                nodes.Add(new DesiredNode(new NodeRef(name, cluster.Name, NodeRef.ControlPlanePool, ordinal, NodeRole.ControlPlane), new Resources(cp.Vcpu, cp.MemoryMiB), cluster, null, "spec.controlPlane"));
            }

            for (var i = 0; i < cluster.WorkerPools.Length; i++)
            {
                var pool = cluster.WorkerPools[i];
                var role = pool.Mode == PoolMode.Metal ? NodeRole.Metal : NodeRole.Worker;
                var size = pool.Mode == PoolMode.Metal ? Resources.Zero : new Resources(pool.Vcpu, pool.MemoryMiB);
                for (var ordinal = 1; ordinal <= pool.Replicas; ordinal++)
                {
                    var name = NodeRef.NameOf(cluster.Name, pool.Name, ordinal);
                    nodes.Add(new DesiredNode(new NodeRef(name, cluster.Name, pool.Name, ordinal, role), size, cluster, pool, $"spec.workerPools[{i}]"));
                }
            }
        }

        return nodes;
    }
}

/// <summary>Where a node ran before, how big it was then and its IPv4 address if it had one (from the last rendered specs).</summary>
public readonly record struct PlacedNode(string Host, Resources Size, string? Ipv4 = null);
