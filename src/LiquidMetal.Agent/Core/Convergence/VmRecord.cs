using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>The agent's persisted memory of one VM: its observed state and the VMM it runs in.</summary>
internal sealed record VmRecord
{
    public required string Id { get; init; }

    public string Cluster { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    /// <summary>Hash of the spec the current (or next) VMM runs.</summary>
    public required string Hash { get; init; }

    public VmState State { get; init; } = VmState.Pending;

    public string Reason { get; init; } = string.Empty;

    public required DateTimeOffset Since { get; init; }

    public int Restarts { get; init; }

    /// <summary>Failures since the VM last ran stably; drives the backoff.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>When a failed VM may be started again.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    public InstanceRecord? Instance { get; init; }

    public static VmRecord For(VmSpec spec, string hash, DateTimeOffset now) => new()
    {
        Id = spec.Id,
        Cluster = spec.Cluster,
        Role = spec.Role,
        Hash = hash,
        State = VmState.Pending,
        Reason = "waiting to start",
        Since = now,
    };

    public VmStatus ToStatus() => new()
    {
        Id = Id,
        Cluster = Cluster,
        Role = Role,
        State = State,
        Reason = Reason,
        Since = Since,
        Restarts = Restarts,
        Hash = Hash,
        ProviderDetails = Instance?.Details ?? ImmutableSortedDictionary<string, string>.Empty,
    };

    public VmRecord MoveTo(VmState state, string reason, DateTimeOffset now) =>
        this with { State = state, Reason = reason, Since = state == State ? Since : now };
}
