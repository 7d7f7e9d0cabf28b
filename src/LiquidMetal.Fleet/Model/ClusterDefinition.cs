using System.Collections.Immutable;
using LiquidMetal.Fleet.Kubernetes;

namespace LiquidMetal.Fleet.Model;

/// <summary>A <c>kind: Cluster</c> document (clusters/&lt;name&gt;.yaml): one Kubernetes cluster.</summary>
public sealed record ClusterDefinition
{
    public required string Name { get; init; }

    public required string File { get; init; }

    public required string KubernetesVersion { get; init; }

    public KubernetesDistribution Distribution { get; init; }

    /// <summary>The release <see cref="KubernetesVersion"/> names, resolved by validation (null before, or when unknown).</summary>
    public KubernetesRelease? Release { get; init; }

    /// <summary>The pods' address range (kubeadm's networking.podSubnet).</summary>
    public string PodSubnet { get; init; } = DefaultPodSubnet;

    /// <summary>The services' address range (kubeadm's networking.serviceSubnet).</summary>
    public string ServiceSubnet { get; init; } = DefaultServiceSubnet;

    /// <summary>A registry mirror for the control-plane images; null: the distribution's own.</summary>
    public string? ImageRepository { get; init; }

    /// <summary>
    /// kubeadm (LiquidMetal renders each node's cloud-config) or the fleet author's own user-data template. A cluster file
    /// without spec.bootstrap is kubeadm (the loader says so); a record built in code says which it is.
    /// </summary>
    public BootstrapMode Bootstrap { get; init; } = BootstrapMode.UserData;

    public const string DefaultPodSubnet = "10.244.0.0/16";

    public const string DefaultServiceSubnet = "10.96.0.0/12";

    public required ControlPlaneSpec ControlPlane { get; init; }

    /// <summary>Labels every host of this cluster must carry (e.g. the edge site it lives at); pools add their own.</summary>
    public ImmutableSortedDictionary<string, string> HostSelector { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public ImmutableArray<WorkerPoolSpec> WorkerPools { get; init; } = [];

    /// <summary>The network (networks/&lt;name&gt;.yaml) its microVM nodes get addresses from; null: nodes get none.</summary>
    public string? Network { get; init; }

    public required ImageRef Image { get; init; }

    /// <summary>The user-data template of a <see cref="BootstrapMode.UserData"/> cluster, with <c>{{ node.name }}</c>-style variables.</summary>
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

/// <summary>How a cluster's nodes become Kubernetes nodes.</summary>
public enum BootstrapMode
{
    /// <summary>LiquidMetal renders kubeadm init/join cloud-config, and keeps the cluster's CAs and tokens (encrypted) itself.</summary>
    Kubeadm,

    /// <summary>The fleet's own user-data template (spec.bootstrap.userData), rendered per node as it is.</summary>
    UserData,
}
