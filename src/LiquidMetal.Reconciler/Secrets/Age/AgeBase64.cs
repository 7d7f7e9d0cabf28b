namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The base64 of age headers: RFC 4648 standard alphabet, no '=' padding, canonical only (the unused low bits of the
/// last character are zero), so that each value has exactly one spelling and a header cannot be changed unnoticed.
/// </summary>
internal static class AgeBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>The bytes, or null when <paramref name="text"/> is not canonical unpadded base64.</summary>
    public static byte[]? Decode(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 == 1)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/')
            {
                return null; // Convert would also skip whitespace and take '=': neither belongs here
            }
        }

        var padded = string.Concat(text, new string('=', (4 - (text.Length % 4)) % 4));
        var data = Convert.FromBase64String(padded);
        return Encode(data).AsSpan().SequenceEqual(text) ? data : null;
    }
}
