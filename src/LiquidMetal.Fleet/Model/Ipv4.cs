using System.Globalization;

namespace LiquidMetal.Fleet.Model;

/// <summary>
/// An IPv4 address as a number, so that ranges and subnets are arithmetic. Parsing is strict dotted-quad: IPAddress's
/// parser also takes "10.1" and "010.0.0.1" (octal), which in a fleet file are mistakes, not addresses.
/// </summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public static bool TryParse(string text, out Ipv4Address address)
    {
        address = default;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        uint value = 0;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            var octet = uint.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        address = new Ipv4Address(value);
        return true;
    }

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public static bool operator <(Ipv4Address a, Ipv4Address b) => a.Value < b.Value;

    public static bool operator >(Ipv4Address a, Ipv4Address b) => a.Value > b.Value;

    public static bool operator <=(Ipv4Address a, Ipv4Address b) => a.Value <= b.Value;

    public static bool operator >=(Ipv4Address a, Ipv4Address b) => a.Value >= b.Value;

    public byte[] GetBytes() => [(byte)(Value >> 24), (byte)(Value >> 16), (byte)(Value >> 8), (byte)Value];

    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}";
}

/// <summary>An IPv4 subnet: a network address with no host bits set, and a prefix length.</summary>
public readonly record struct Ipv4Prefix(Ipv4Address First, int Length)
{
    public Ipv4Address Last => new(First.Value | HostMask);

    public long Count => 1L << (32 - Length);

    private uint HostMask => Length == 0 ? uint.MaxValue : (1u << (32 - Length)) - 1;

    public bool Contains(Ipv4Address address) => address >= First && address <= Last;

    public bool Overlaps(Ipv4Prefix other) => First <= other.Last && other.First <= Last;

    /// <summary>Parses a.b.c.d/n; a prefix with host bits set is refused, with the subnet it was probably meant as.</summary>
    public static bool TryParse(string text, out Ipv4Prefix prefix, out string? problem)
    {
        prefix = default;
        problem = null;
        var slash = text.IndexOf('/');
        if (slash < 0 || !Ipv4Address.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 32
            || (text.Length > slash + 2 && text[slash + 1] == '0'))
        {
            problem = $"'{text}' is not an IPv4 subnet: expected a.b.c.d/n, such as 10.20.1.0/24";
            return false;
        }

        var candidate = new Ipv4Prefix(address, length);
        var network = new Ipv4Address(address.Value & ~candidate.HostMask);
        if (network != address)
        {
            problem = $"'{text}' has host bits set: the subnet is {network}/{length}";
            return false;
        }

        prefix = candidate;
        return true;
    }

    public override string ToString() => $"{First}/{Length}";
}

/// <summary>An inclusive range of IPv4 addresses.</summary>
public readonly record struct Ipv4Range(Ipv4Address First, Ipv4Address Last)
{
    public long Count => (long)Last.Value - First.Value + 1;

    public bool Contains(Ipv4Address address) => address >= First && address <= Last;

    /// <summary>Parses first-last (10.20.1.100-10.20.1.199), a subnet (10.20.1.128/25) or one address.</summary>
    public static bool TryParse(string text, out Ipv4Range range, out string? problem)
    {
        range = default;
        problem = null;
        if (text.Contains('/'))
        {
            if (!Ipv4Prefix.TryParse(text, out var prefix, out problem))
            {
                return false;
            }

            range = new Ipv4Range(prefix.First, prefix.Last);
            return true;
        }

        if (Ipv4Address.TryParse(text.Trim(), out var single))
        {
            range = new Ipv4Range(single, single);
            return true;
        }

        var dash = text.IndexOf('-');
        if (dash < 0 || !Ipv4Address.TryParse(text[..dash].Trim(), out var first) || !Ipv4Address.TryParse(text[(dash + 1)..].Trim(), out var last))
        {
            problem = $"'{text}' is not an address range: expected first-last (10.20.1.100-10.20.1.199) or a subnet (10.20.1.128/25)";
            return false;
        }

        if (last < first)
        {
            problem = $"'{text}' ends before it starts: write the lower address first";
            return false;
        }

        range = new Ipv4Range(first, last);
        return true;
    }

    public override string ToString() => First == Last ? First.ToString() : $"{First}-{Last}";
}
