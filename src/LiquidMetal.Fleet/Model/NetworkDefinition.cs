using System.Collections.Immutable;
using System.Net;

namespace LiquidMetal.Fleet.Model;

/// <summary>
/// A <c>kind: Network</c> document (networks/&lt;name&gt;.yaml): one layer-2 network nodes live on, carried by a
/// bridge on each host it reaches. Fields are as written; <see cref="Addressing"/> holds them parsed, once the
/// semantic checks have found them sound.
/// </summary>
public sealed record NetworkDefinition
{
    public required string Name { get; init; }

    public required string File { get; init; }

    /// <summary>The hosts this network reaches (one site's, say); empty selects every host.</summary>
    public ImmutableSortedDictionary<string, string> HostSelector { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public required string Bridge { get; init; }

    /// <summary>802.1Q VLAN id of the VM ports on the bridge; 0 for none.</summary>
    public int Vlan { get; init; }

    public required string Ipv4Cidr { get; init; }

    public string? Ipv4Gateway { get; init; }

    public ImmutableArray<string> NodeAddresses { get; init; } = [];

    public string? Ipv6Cidr { get; init; }

    public string? Ipv6Gateway { get; init; }

    public ImmutableArray<string> DnsServers { get; init; } = [];

    public ImmutableArray<string> DnsSearch { get; init; } = [];

    /// <summary>The addressing parsed; null until <see cref="Validation.SemanticChecks"/> resolved it.</summary>
    public NetworkAddressing? Addressing { get; init; }
}

/// <summary>A network's addressing, parsed and checked.</summary>
public sealed record NetworkAddressing(
    Ipv4Prefix Subnet,
    Ipv4Address? Gateway,
    ImmutableArray<Ipv4Range> NodeRanges,
    IPNetwork? Ipv6Subnet,
    IPAddress? Ipv6Gateway)
{
    /// <summary>Whether nodes may get <paramref name="address"/>: in a node range and not the subnet's own, broadcast or gateway address.</summary>
    public bool IsNodeAddress(Ipv4Address address) =>
        NodeRanges.Any(r => r.Contains(address)) && !IsReserved(address);

    /// <summary>The subnet's network and broadcast addresses (for a /30 or wider) and the gateway: never a node's.</summary>
    public bool IsReserved(Ipv4Address address) =>
        address == Gateway || (Subnet.Length <= 30 && (address == Subnet.First || address == Subnet.Last));

    /// <summary>How many addresses nodes may get.</summary>
    public long NodeAddressCount => NodeRanges.Sum(r => r.Count) - NodeRanges.Sum(r => ReservedIn(r));

    /// <summary>The IPv6 address of the node that has <paramref name="address"/>: its place in the IPv4 subnet, in the IPv6 prefix.</summary>
    public IPAddress? Ipv6Of(Ipv4Address address)
    {
        if (Ipv6Subnet is not { } subnet)
        {
            return null;
        }

        var bytes = subnet.BaseAddress.GetAddressBytes();
        var offset = address.Value - Subnet.First.Value;
        for (var i = 15; i >= 12; i--)
        {
            bytes[i] |= (byte)(offset & 0xFF);
            offset >>= 8;
        }

        return new IPAddress(bytes);
    }

    private int ReservedIn(Ipv4Range range)
    {
        var reserved = 0;
        if (Gateway is { } gateway && range.Contains(gateway))
        {
            reserved++;
        }

        if (Subnet.Length <= 30)
        {
            reserved += (range.Contains(Subnet.First) && Subnet.First != Gateway ? 1 : 0) + (range.Contains(Subnet.Last) && Subnet.Last != Gateway ? 1 : 0);
        }

        return reserved;
    }
}
