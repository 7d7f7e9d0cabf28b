using System.Text;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// BIP 173 Bech32 (not Bech32m), as age spells its keys: a human-readable part, '1', 5-bit data, a 6-character
/// checksum. Without BIP 173's 90-character limit, as age-encryption.org/v1 says; the checksum is over the lowercase text.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        var values = ToFiveBits(data);
        var checksum = Checksum(hrp, values);
        var text = new StringBuilder(hrp.Length + 1 + values.Count + 6).Append(hrp).Append('1');
        foreach (var value in values.Concat(checksum))
        {
            text.Append(Charset[value]);
        }

        return text.ToString();
    }

    /// <summary>
    /// The human-readable part as written (all upper or all lower case) and the data; null with a reason when the text
    /// is not valid Bech32. The reason never quotes the text, which may be a secret key.
    /// </summary>
    public static (string Hrp, byte[] Data)? Decode(string text, out string? problem)
    {
        problem = null;
        if (text.Any(c => c < 33 || c > 126))
        {
            problem = "has characters outside printable ASCII";
            return null;
        }

        if (text.Any(char.IsUpper) && text.Any(char.IsLower))
        {
            problem = "mixes upper and lower case";
            return null;
        }

        var lower = text.ToLowerInvariant();
        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length)
        {
            problem = "has no '1' separator followed by data and a checksum";
            return null;
        }

        var hrp = lower[..separator];
        var values = new List<byte>(lower.Length - separator - 1);
        for (var i = separator + 1; i < lower.Length; i++)
        {
            var value = Charset.IndexOf(lower[i], StringComparison.Ordinal);
            if (value < 0)
            {
                problem = $"has a character that Bech32 does not use (column {i + 1})";
                return null;
            }

            values.Add((byte)value);
        }

        if (Polymod(Expand(hrp).Concat(values)) != 1)
        {
            problem = "has a wrong checksum (a mistyped or cut character)";
            return null;
        }

        var data = FromFiveBits(values.Take(values.Count - 6).ToList());
        if (data is null)
        {
            problem = "has padding bits that are not zero";
            return null;
        }

        return (text[..separator], data);
    }

    private static List<byte> ToFiveBits(ReadOnlySpan<byte> data)
    {
        var values = new List<byte>((data.Length * 8 + 4) / 5);
        var accumulator = 0;
        var bits = 0;
        foreach (var b in data)
        {
            accumulator = (accumulator << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                values.Add((byte)((accumulator >> bits) & 31));
            }
        }

        if (bits > 0)
        {
            values.Add((byte)((accumulator << (5 - bits)) & 31));
        }

        return values;
    }

    private static byte[]? FromFiveBits(List<byte> values)
    {
        var data = new List<byte>(values.Count * 5 / 8);
        var accumulator = 0;
        var bits = 0;
        foreach (var value in values)
        {
            accumulator = ((accumulator << 5) | value) & 0xFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                data.Add((byte)((accumulator >> bits) & 0xFF));
            }
        }

        return bits >= 5 || ((accumulator << (8 - bits)) & 0xFF) != 0 ? null : [.. data];
    }

    private static IEnumerable<byte> Checksum(string hrp, List<byte> values)
    {
        var polymod = Polymod(Expand(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        for (var i = 0; i < 6; i++)
        {
            yield return (byte)((polymod >> (5 * (5 - i))) & 31);
        }
    }

    private static IEnumerable<byte> Expand(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint[] generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        uint checksum = 1;
        foreach (var value in values)
        {
            var top = checksum >> 25;
            checksum = ((checksum & 0x1ffffff) << 5) ^ value;
            for (var i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    checksum ^= generator[i];
                }
            }
        }

        return checksum;
    }
}
