using System.Collections.Immutable;

namespace LiquidMetal.Fleet.Model;

/// <summary>A <c>kind: Cluster</c> document (clusters/&lt;name&gt;.yaml): one Kubernetes cluster.</summary>
public sealed record ClusterDefinition
{
    public required string Name { get; init; }

    public required string File { get; init; }

    public required string KubernetesVersion { get; init; }

    public required ControlPlaneSpec ControlPlane { get; init; }

    /// <summary>Labels every host of this cluster must carry (e.g. the edge site it lives at); pools add their own.</summary>
    public ImmutableSortedDictionary<string, string> HostSelector { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public ImmutableArray<WorkerPoolSpec> WorkerPools { get; init; } = [];

    /// <summary>The network (networks/&lt;name&gt;.yaml) its microVM nodes get addresses from; null: nodes get none.</summary>
    public string? Network { get; init; }

    public required ImageRef Image { get; init; }

    /// <summary>The bootstrap user-data template, with <c>{{ node.name }}</c>-style variables.</summary>
    public string UserDataTemplate { get; init; } = string.Empty;

    /// <summary>Keep what runs, apply nothing new.</summary>
    public bool Suspend { get; init; }
}

/// <summary>The control plane of a cluster: its replicas, their size and the API endpoint.</summary>
public sealed record ControlPlaneSpec(int Replicas, int Vcpu, long MemoryMiB, string Endpoint)
{
    /// <summary>The API's virtual IPv4 address on the cluster's network (held by one control plane at a time).</summary>
    public string? Vip { get; init; }
}

/// <summary>A pool of workers: microVMs, or whole hosts in metal mode.</summary>
public sealed record WorkerPoolSpec
{
    public required string Name { get; init; }

    public PoolMode Mode { get; init; } = PoolMode.Microvm;

    public required int Replicas { get; init; }

    /// <summary>vCPUs per microVM; for a metal pool, the least number of cores a claimed host must have (0: any).</summary>
    public int Vcpu { get; init; }

    /// <summary>Memory per microVM; for a metal pool, the least memory a claimed host must have (0: any).</summary>
    public long MemoryMiB { get; init; }

    public ImmutableSortedDictionary<string, string> HostSelector { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>Whether a pool's nodes are microVMs or whole bare-metal hosts.</summary>
public enum PoolMode
{
    Microvm,
    Metal,
}
