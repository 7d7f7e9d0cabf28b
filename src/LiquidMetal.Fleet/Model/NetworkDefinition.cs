using System.Collections.Frozen;
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
/// <param name="Others">Addresses of the subnet that are someone else's (its DNS servers): never a node's.</param>
public sealed class NetworkAddressing(
    Ipv4Prefix subnet,
    Ipv4Address? gateway,
    ImmutableArray<Ipv4Range> nodeRanges,
    IPNetwork? ipv6Subnet,
    IPAddress? ipv6Gateway,
    ImmutableArray<Ipv4Address> others)
{
    private FrozenSet<Ipv4Address>? _reserved;

    public Ipv4Prefix Subnet { get; } = subnet;

    public Ipv4Address? Gateway { get; } = gateway;

    public ImmutableArray<Ipv4Range> NodeRanges { get; } = nodeRanges;

    public IPNetwork? Ipv6Subnet { get; } = ipv6Subnet;

    public IPAddress? Ipv6Gateway { get; } = ipv6Gateway;

    public ImmutableArray<Ipv4Address> Others { get; } = others;

    /// <summary>Whether nodes may get <paramref name="address"/>: in a node range and not reserved.</summary>
    public bool IsNodeAddress(Ipv4Address address) => NodeRangeOf(address) is not null && !IsReserved(address);

    /// <summary>The node range that holds <paramref name="address"/>, or null.</summary>
    public Ipv4Range? NodeRangeOf(Ipv4Address address)
    {
        foreach (var range in NodeRanges)
        {
            if (range.Contains(address))
            {
                return range;
            }
        }

        return null;
    }

    /// <summary>Whose <paramref name="address"/> is when it is reserved ("gateway", "DNS server", ...), for messages; null when it is not.</summary>
    public string? ReservedAs(Ipv4Address address) =>
        !IsReserved(address) ? null
        : address == Gateway ? "gateway"
        : Subnet.Length <= 30 && address == Subnet.First ? "network address"
        : Subnet.Length <= 30 && address == Subnet.Last ? "broadcast address"
        : Others.Contains(address) ? "DNS server"
        : "IPv4 twin of its IPv6 gateway";

    /// <summary>
    /// Never a node's: the subnet's network and broadcast addresses (for a /30 or wider), the gateway, the address whose
    /// IPv6 twin (<see cref="Ipv6Of"/>) is the IPv6 gateway, and the subnet's DNS servers.
    /// </summary>
    public bool IsReserved(Ipv4Address address) => Reserved.Contains(address);

    /// <summary>How many addresses nodes may get.</summary>
    public long NodeAddressCount => NodeRanges.Sum(r => r.Count) - Reserved.Count(a => NodeRanges.Any(r => r.Contains(a)));

    private FrozenSet<Ipv4Address> Reserved => _reserved ??= ReservedAddresses().ToFrozenSet();

    private IEnumerable<Ipv4Address> ReservedAddresses()
    {
        if (Subnet.Length <= 30)
        {
            yield return Subnet.First;
            yield return Subnet.Last;
        }

        if (Gateway is { } gateway)
        {
            yield return gateway;
        }

        if (Ipv4Of(Ipv6Gateway) is { } twin)
        {
            yield return twin;
        }

        foreach (var other in Others)
        {
            yield return other;
        }
    }

    /// <summary>The IPv4 address of the subnet whose IPv6 twin is <paramref name="address"/>, if there is one.</summary>
    private Ipv4Address? Ipv4Of(IPAddress? address)
    {
        if (address is null || Ipv6Subnet is not { } subnet || !subnet.Contains(address))
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        var offset = ((ulong)bytes[12] << 24) | ((ulong)bytes[13] << 16) | ((ulong)bytes[14] << 8) | bytes[15];
        var candidate = new Ipv4Address((uint)Math.Min(uint.MaxValue, Subnet.First.Value + offset));
        return offset < (ulong)Subnet.Count && address.Equals(Ipv6Of(candidate)) ? candidate : null;
    }

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
}
