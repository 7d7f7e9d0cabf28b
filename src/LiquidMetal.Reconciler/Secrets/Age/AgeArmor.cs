using System.Buffers;
using System.Text;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// age's ASCII armor: strict PEM (RFC 7468) labelled AGE ENCRYPTED FILE, padded base64 in 64-column lines. Read
/// strictly too, as armor is otherwise malleable: only whitespace around the block and CRLF line ends are let through.
/// </summary>
internal static class AgeArmor
{
    public const string Begin = "-----BEGIN AGE ENCRYPTED FILE-----";
    public const string End = "-----END AGE ENCRYPTED FILE-----";
    private const int LineColumns = 64;
    private static readonly SearchValues<char> Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    public static string Encode(ReadOnlySpan<byte> file)
    {
        var base64 = Convert.ToBase64String(file);
        var text = new StringBuilder(base64.Length + (base64.Length / LineColumns) + 80).Append(Begin).Append('\n');
        for (var at = 0; at < base64.Length; at += LineColumns)
        {
            text.Append(base64.AsSpan(at, Math.Min(LineColumns, base64.Length - at))).Append('\n');
        }

        return text.Append(End).Append('\n').ToString();
    }

    /// <summary>Whether <paramref name="data"/> is armored: its first non-whitespace bytes are the BEGIN line.</summary>
    public static bool IsArmored(ReadOnlySpan<byte> data) => data.TrimStart(" \t\r\n"u8).StartsWith(Encoding.ASCII.GetBytes(Begin));

    public static byte[] Decode(ReadOnlySpan<byte> armored)
    {
        var block = armored.Trim(" \t\r\n"u8);
        foreach (var b in block)
        {
            if (b is (< 0x20 or > 0x7E) and not (byte)'\r' and not (byte)'\n')
            {
                throw Malformed($"a byte that is not printable ASCII (0x{b:x2})");
            }
        }

        // CRLF or LF; a lone CR stays in its line and is refused there.
        var lines = Encoding.ASCII.GetString(block).Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
        if (lines[0] != Begin)
        {
            throw Malformed($"the first line is not {Begin}");
        }

        if (lines.Count < 2 || lines[^1] != End)
        {
            throw Malformed($"the last line is not {End}");
        }

        var body = lines[1..^1];
        var base64 = new StringBuilder(body.Count * LineColumns);
        for (var i = 0; i < body.Count; i++)
        {
            var line = body[i];
            var last = i == body.Count - 1;
            if (line.Length == 0 || line.Length > LineColumns || (!last && line.Length < LineColumns))
            {
                throw Malformed($"line {i + 2} is {line.Length} columns: every line but the last is {LineColumns}, and the last 1 to {LineColumns}");
            }

            var padding = last ? line.Length - line.TrimEnd('=').Length : 0;
            if (padding > 2 || line.AsSpan(0, line.Length - padding).ContainsAnyExcept(Alphabet))
            {
                throw Malformed($"line {i + 2} has a character that is not base64 (or '=' before the end)");
            }

            base64.Append(line);
        }

        if (base64.Length % 4 != 0)
        {
            throw Malformed("the base64 is not padded to a multiple of 4 characters");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(base64.ToString());
        }
        catch (FormatException)
        {
            throw Malformed("the base64 does not decode");
        }

        if (Convert.ToBase64String(data) != base64.ToString())
        {
            throw Malformed("the base64 is not canonical (its unused bits are not zero)");
        }

        return data;
    }

    private static AgeException Malformed(string what) => new(AgeFailure.Armor, $"the ASCII armor is malformed: {what}");
}
