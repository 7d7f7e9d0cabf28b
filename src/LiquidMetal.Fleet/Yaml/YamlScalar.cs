using System.Globalization;
using System.Text;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// YAML scalars for the hand-written documents (rendered hosts, status): plain when no YAML reader (1.1 or 1.2) can
/// take the text for anything but this string, double-quoted otherwise.
/// </summary>
public static class YamlScalar
{
    /// <summary>Names, ids, paths, hashes: plain only for a word of letters, digits and <c>. _ / - + @</c>.</summary>
    public static string Write(string value) => IsPlain(value, allowSpaces: false) ? value : Quote(value);

    /// <summary>Human-readable text (a reason, a message): like <see cref="Write"/>, but words separated by single spaces, commas and semicolons stay plain.</summary>
    public static string WriteText(string value) => IsPlain(value, allowSpaces: true) ? value : Quote(value);

    /// <summary>Appends what <see cref="Write"/> (or, with <paramref name="allowSpaces"/>, <see cref="WriteText"/>) returns, without making it a string first.</summary>
    internal static StringBuilder Append(StringBuilder to, string value, bool allowSpaces = false) =>
        IsPlain(value, allowSpaces) ? to.Append(value) : AppendQuoted(to, value);

    private static string Quote(string value) => AppendQuoted(new StringBuilder(value.Length + 8), value).ToString();

    /// <summary>A YAML double-quoted scalar: backslash escapes for quotes, backslashes and control characters.</summary>
    private static StringBuilder AppendQuoted(StringBuilder quoted, string value)
    {
        quoted.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case '\n':
                    quoted.Append("\\n");
                    break;
                case '\t':
                    quoted.Append("\\t");
                    break;
                case '\r':
                    quoted.Append("\\r");
                    break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF')
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"');
    }

    // Starting with a letter or '/' rules out numbers, indicators (- ? : , [ ] { } # & * ! | > ' " % @ `) and .inf/.nan;
    // leaving out ':' and '#' rules out a mapping key and a comment; the word list rules out booleans and null.
    private static bool IsPlain(string value, bool allowSpaces)
    {
        if (value.Length > 0 && char.IsAsciiDigit(value[0]))
        {
            return IsCommitId(value);
        }

        if (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '/'))
        {
            return false;
        }

        var previous = '\0';
        foreach (var c in value)
        {
            var word = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-' or '+' or '@';
            var separator = allowSpaces && (c == ' ' ? previous != ' ' : c is ',' or ';' or '(' or ')' or '=');
            if (!word && !separator)
            {
                return false;
            }

            previous = c;
        }

        return previous != ' ' && !IsReservedWord(value);
    }

    private static bool IsReservedWord(string value) =>
        value.Length <= 5 && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
            || value.Equals("null", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase)
            || value.Equals("no", StringComparison.OrdinalIgnoreCase) || value.Equals("on", StringComparison.OrdinalIgnoreCase)
            || value.Equals("off", StringComparison.OrdinalIgnoreCase) || value.Equals("y", StringComparison.OrdinalIgnoreCase)
            || value.Equals("n", StringComparison.OrdinalIgnoreCase));

    // Lowercase hex with a letter other than e and not starting 0b: no YAML number looks like that (1e5, 0x1f and
    // YAML 1.1's binary 0b101 do not qualify).
    private static bool IsCommitId(string value) =>
        value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') && value.Any(c => c is >= 'a' and <= 'd' or 'f') && !value.StartsWith("0b", StringComparison.Ordinal);
}
