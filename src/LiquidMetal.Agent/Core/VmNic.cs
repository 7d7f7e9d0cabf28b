using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core;

/// <summary>One network card of a VM: its host side (tap, bridge, VLAN) and what the guest is told about it (NoCloud network-config).</summary>
public sealed record VmNic
{
    /// <summary>The guest's name for the card (eth0); network-config renames the card with this MAC to it.</summary>
    public required string Name { get; init; }

    public required string Mac { get; init; }

    /// <summary>The host tap device the agent creates for the card ("lm" prefix, at most 15 characters).</summary>
    public required string Tap { get; init; }

    /// <summary>The fleet network, for people reading status; the agent does not act on it.</summary>
    public string Network { get; init; } = string.Empty;

    /// <summary>The host bridge the tap joins; empty means the agent's --bridge, or no bridge at all.</summary>
    public string Bridge { get; init; } = string.Empty;

    /// <summary>802.1Q id of the tap's bridge port, untagged towards the guest; 0 for none.</summary>
    public int Vlan { get; init; }

    /// <summary>Static addresses in CIDR form (10.20.1.101/24, fd00::101/64); none means DHCP.</summary>
    public ImmutableArray<string> Addresses { get; init; } = [];

    public string Gateway4 { get; init; } = string.Empty;

    public string Gateway6 { get; init; } = string.Empty;

    public ImmutableArray<string> Nameservers { get; init; } = [];

    public ImmutableArray<string> SearchDomains { get; init; } = [];
}
