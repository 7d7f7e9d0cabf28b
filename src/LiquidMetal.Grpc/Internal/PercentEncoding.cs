using System.Text;

namespace LiquidMetal.Grpc.Internal;

/// <summary>The percent-encoding of <c>grpc-message</c>: UTF-8 bytes, with everything outside 0x20-0x7E and '%' escaped.</summary>
internal static class PercentEncoding
{
    public static string Encode(string value)
    {
        if (!NeedsEncoding(value))
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes what it can; the spec forbids failing, so a broken escape is kept as it came.</summary>
    public static string Decode(string value)
    {
        if (!value.Contains('%'))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
            {
                bytes.Add((byte)((high << 4) | low));
                i += 2;
            }
            else if (c <= 0xFF)
            {
                // A peer that sent raw UTF-8 arrives here as Latin-1 chars, one per byte: keep the bytes.
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        // Invalid UTF-8 becomes U+FFFD, which the spec allows.
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool NeedsEncoding(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or '%')
            {
                return true;
            }
        }

        return false;
    }

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
