using LiquidMetal.Agent.Api;
using LiquidMetal.Git;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Pass;

/// <summary>Where the fleet lives and how to reach its agents.</summary>
public sealed record ReconcilerOptions
{
    public required string RepositoryUrl { get; init; }

    /// <summary>The bare mirror's folder (one per repository URL; see <see cref="MirrorCache"/>).</summary>
    public required string MirrorPath { get; init; }

    public string Branch { get; init; } = "main";

    public string StatusBranch { get; init; } = "liquidmetal/status";

    public GitCredentials? Credentials { get; init; }

    /// <summary>TLS trust, client certificate and bearer token for the agents.</summary>
    public AgentClientOptions? AgentClient { get; init; }

    public int MaxParallelHosts { get; init; } = 32;

    public TimeSpan AgentCallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int PushAttempts { get; init; } = 5;

    /// <summary>When set, a head revision must be signed by one of these keys, or it is rejected unapplied (trust lives here, not in the repo it guards).</summary>
    public SignatureTrust? RequireSignedBy { get; init; }

    public GitSignature Committer { get; init; } = new("LiquidMetal reconciler", "reconciler@liquidmetal.invalid", DateTimeOffset.UnixEpoch);

    /// <summary>How long a replaced control plane must have run before the next one in its cluster is replaced.</summary>
    public TimeSpan ControlPlaneSettle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the pipeline logs what it does to hosts and VMs (structured: revision, host, cluster, VM).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Seals and opens kubeadm clusters' secrets (age, from --age-key-file); null: kubeadm clusters are not applied.</summary>
    public Bootstrap.ISecretBox? SecretBox { get; init; }

    /// <summary>How often a kubeadm cluster's API is asked for its nodes at most (sooner when what its VMs run changed).</summary>
    public TimeSpan KubernetesProbeInterval { get; init; } = TimeSpan.FromSeconds(10);
}
