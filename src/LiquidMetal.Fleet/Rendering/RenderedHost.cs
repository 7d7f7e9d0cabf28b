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

/// <summary>
/// A network interface of a microVM. On a fleet network it carries the node's addresses and the network's gateway,
/// DNS, bridge and VLAN, and its MAC is made from the node's IPv4 address (so unique in the fleet, and as stable as
/// the address); without one, the MAC is made from the node's name and the NIC has no addresses.
/// </summary>
public sealed record RenderedInterface(string Name, string Mac)
{
    /// <summary>The fleet network's name; empty when the cluster has none.</summary>
    public string Network { get; init; } = string.Empty;

    public string Bridge { get; init; } = string.Empty;

    public int Vlan { get; init; }

    /// <summary>Static addresses in CIDR form: IPv4 first, then IPv6 when the network has it.</summary>
    public ImmutableArray<string> Addresses { get; init; } = [];

    public string Gateway4 { get; init; } = string.Empty;

    public string Gateway6 { get; init; } = string.Empty;

    public ImmutableArray<string> Nameservers { get; init; } = [];

    public ImmutableArray<string> SearchDomains { get; init; } = [];

    /// <summary>The IPv4 address without its prefix length, or null.</summary>
    public string? Ipv4Address => Addresses.FirstOrDefault(a => !a.Contains(':')) is { } cidr ? cidr[..cidr.IndexOf('/')] : null;

    /// <summary>
    /// Every field as one line, for comparing two interfaces by value (the arrays compare by reference) and for the VM's
    /// hash; each list item is length-prefixed, so ["a,b"] and ["a", "b"] differ.
    /// </summary>
    public string Describe() =>
        $"{Name} mac={Mac} network={Network} bridge={Bridge} vlan={Vlan} addresses={List(Addresses)} gateway4={Gateway4} gateway6={Gateway6} dns={List(Nameservers)} search={List(SearchDomains)}";

    private static string List(ImmutableArray<string> items) => string.Concat(items.Select(i => $"{i.Length}:{i};"));
}

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
