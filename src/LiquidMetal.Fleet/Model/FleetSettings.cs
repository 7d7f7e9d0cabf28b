namespace LiquidMetal.Fleet.Model;

/// <summary>The <c>kind: Fleet</c> document (fleet.yaml): fleet-wide defaults and policies.</summary>
public sealed record FleetSettings
{
    public required string Name { get; init; }

    public string File { get; init; } = "fleet.yaml";

    /// <summary>Image used by clusters that do not name one.</summary>
    public ImageRef? DefaultImage { get; init; }

    /// <summary>Kubernetes version used by clusters that do not name one.</summary>
    public string? DefaultKubernetesVersion { get; init; }

    /// <summary>How many vCPUs may be placed per allocatable host core (memory is never overcommitted).</summary>
    /// <summary>vCPU and memory of a control-plane microVM when a cluster does not say.</summary>
    public Resources? DefaultControlPlaneSize { get; init; }

    /// <summary>vCPU and memory of a worker microVM when a pool does not say.</summary>
    public Resources? DefaultWorkerSize { get; init; }

    public double CpuOvercommit { get; init; } = 1.0;

    public WorkerSpreadPolicy WorkerSpread { get; init; } = WorkerSpreadPolicy.Spread;

    /// <summary>The status branch fleet.yaml names; null when it names none (the reconciler's own setting decides).</summary>
    public string? StatusBranch { get; init; }

    public VerifyPolicy Verify { get; init; } = VerifyPolicy.None;
}

/// <summary>How microVM workers are laid out: spread over the least-loaded hosts, or packed onto the fullest that fit.</summary>
public enum WorkerSpreadPolicy
{
    Spread,
    Pack,
}
