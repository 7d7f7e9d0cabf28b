using System.Buffers;
using System.Globalization;
using System.Text;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>
/// SVG written by hand, byte for byte the same for the same input: integer coordinates only, numbers in the invariant
/// culture, text escaped for XML, and widths estimated from a monospace font (every text of the map is monospace, so
/// whether a label fits a block does not depend on the reader's fonts).
/// </summary>
internal static class SvgText
{
    /// <summary>Characters of monospace text at 10 px per 100 px (DejaVu Sans Mono and Menlo advance 0.602 em; rounded up).</summary>
    private const int CharsPer100PxAt10 = 16;

    /// <summary>Characters of monospace text at 11 px per 100 px.</summary>
    private const int CharsPer100PxAt11 = 14;

    /// <summary>How many characters of 10 px monospace text fit in <paramref name="width"/> pixels.</summary>
    public static int Fit10(int width) => Math.Max(0, width) * CharsPer100PxAt10 / 100;

    /// <summary>How many characters of 11 px monospace text fit in <paramref name="width"/> pixels.</summary>
    public static int Fit11(int width) => Math.Max(0, width) * CharsPer100PxAt11 / 100;

    /// <summary>About how wide <paramref name="characters"/> of 11 px monospace text are, in pixels.</summary>
    public static int Width11(int characters) => (characters * 100 + CharsPer100PxAt11 - 1) / CharsPer100PxAt11;

    // What XML text or a double-quoted attribute cannot hold as it is: markup, and control characters.
    private static readonly SearchValues<char> Special = SearchValues.Create(
        "&<>\"" + new string([.. Enumerable.Range(0, 32).Concat(Enumerable.Range(127, 33)).Select(c => (char)c)]));

    /// <summary>Text for an XML element or a double-quoted attribute.</summary>
    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny(Special) < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                _ when char.IsControl(c) => " ", // not allowed in XML 1.0 (and a line break means nothing in SVG text)
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    /// <summary>Appends <paramref name="text"/> escaped (see <see cref="Escape"/>), with no new string when nothing needs escaping.</summary>
    public static StringBuilder AppendEscaped(this StringBuilder svg, string text) =>
        text.AsSpan().IndexOfAny(Special) < 0 ? svg.Append(text) : svg.Append(Escape(text));

    /// <summary>Memory in GiB as people read it: "92", "0.5", "1.3" (one decimal at most, invariant).</summary>
    public static string Gib(long mib) => (mib / 1024.0).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>A count with thousands separators, invariant: "20,000".</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
