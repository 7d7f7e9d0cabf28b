using System.Collections.Immutable;

namespace LiquidMetal.Reconciler.Status;

/// <summary>One node of a cluster as observed: where it runs, its addresses, its state, since when, and why.</summary>
public sealed record NodeStatus(string Name, string Role, string? Host, string State, DateTimeOffset? Since, string? Reason)
{
    /// <summary>Its addresses on the cluster's network (CIDR form, as rendered); empty without one.</summary>
    public ImmutableArray<string> Addresses { get; init; } = [];

    /// <summary>The node's Kubernetes readiness (Ready, NotReady, Unknown, or NotRegistered), for a kubeadm cluster whose API was asked; null otherwise.</summary>
    public string? Kubernetes { get; init; }

    // By value, the addresses too (a record compares an ImmutableArray by reference).
    public bool Equals(NodeStatus? other) =>
        other is not null && Name == other.Name && Role == other.Role && Host == other.Host && State == other.State
        && Since == other.Since && Reason == other.Reason && Kubernetes == other.Kubernetes && Addresses.AsSpan().SequenceEqual(other.Addresses.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Name, Role, Host, State, Since, Reason, Addresses.IsDefault ? 0 : Addresses.Length);
}
