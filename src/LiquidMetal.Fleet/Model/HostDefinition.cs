using System.Collections.Immutable;

namespace LiquidMetal.Fleet.Model;

/// <summary>A <c>kind: Host</c> document (hosts/&lt;name&gt;.yaml): one bare-metal host.</summary>
public sealed record HostDefinition
{
    public required string Name { get; init; }

    public required string File { get; init; }

    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public required string AgentEndpoint { get; init; }

    public required string FailureDomain { get; init; }

    public required Resources Capacity { get; init; }

    public Resources Reserved { get; init; }

    public HostRoles Roles { get; init; } = HostRoles.Microvm;

    public bool ControlPlaneAllowed { get; init; }

    /// <summary>What placement may use: capacity minus what is reserved for the host itself.</summary>
    public Resources Allocatable => Capacity - Reserved;
}

/// <summary>What a host may be used for.</summary>
[Flags]
public enum HostRoles
{
    None = 0,
    Microvm = 1,
    Metal = 2,
}
