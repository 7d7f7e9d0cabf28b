using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>Everything one host must run: its microVMs and any metal assignment (rendered/hosts/&lt;host&gt;.yaml).</summary>
public sealed record RenderedHost
{
    public required string Host { get; init; }

    public required string Fleet { get; init; }

    public required string AgentEndpoint { get; init; }

    public required string FailureDomain { get; init; }

    public required Resources Capacity { get; init; }

    public required Resources Allocatable { get; init; }

    /// <summary>The sum of the microVMs' sizes (a metal claim takes the whole host and is not counted here).</summary>
    public required Resources Allocated { get; init; }

    public ImmutableArray<RenderedVm> Microvms { get; init; } = [];

    public RenderedMetal? Metal { get; init; }

    /// <summary>Hash of everything the host must run; equal hashes mean there is nothing to apply.</summary>
    public required string SpecHash { get; init; }
}

/// <summary>One microVM exactly as the agent builds it. <see cref="Hash"/> covers every other field.</summary>
public sealed record RenderedVm
{
    public required string Id { get; init; }

    public required string Cluster { get; init; }

    public required string Pool { get; init; }

    public required string Role { get; init; }

    public required int Vcpu { get; init; }

    public required long MemoryMiB { get; init; }

    public required string Kernel { get; init; }

    public required string Initrd { get; init; }

    public string? RootVolume { get; init; }

    public ImmutableArray<RenderedInterface> Interfaces { get; init; } = [];

    public ImmutableSortedDictionary<string, string> Metadata { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public string UserData { get; init; } = string.Empty;

    public required string Hash { get; init; }

    public Resources Size => new(Vcpu, MemoryMiB);
}

/// <summary>A network interface of a microVM; the MAC is derived from the node name, so it survives re-renders.</summary>
public sealed record RenderedInterface(string Name, string Mac);

/// <summary>A whole host claimed as a bare-metal worker: what the metal bootstrap hook is given.</summary>
public sealed record RenderedMetal
{
    public required string Node { get; init; }

    public required string Cluster { get; init; }

    public required string Pool { get; init; }

    public string UserData { get; init; } = string.Empty;

    public required string Hash { get; init; }
}

/// <summary>Role names as they appear in rendered specs and on the agent API.</summary>
public static class RoleNames
{
    public const string ControlPlane = "control-plane";
    public const string Worker = "worker";
    public const string Metal = "metal";

    public static string Of(NodeRole role) => role switch
    {
        NodeRole.ControlPlane => ControlPlane,
        NodeRole.Worker => Worker,
        _ => Metal,
    };
}
