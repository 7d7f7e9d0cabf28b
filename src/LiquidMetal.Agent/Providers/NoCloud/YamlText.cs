using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiquidMetal.Agent.Providers.NoCloud;

/// <summary>
/// Writes <see cref="YamlNode"/>s as block YAML that PyYAML (cloud-init's YAML 1.1 reader) and YAML 1.2 readers read
/// alike: every string value is double-quoted, so no address, name or word is ever read as a number, a boolean,
/// a date or null ("on", "2001:db8::1", "0x10"); keys stay plain only when they are lowercase words no reader reads as
/// anything else.
/// </summary>
internal static partial class YamlText
{
    private static readonly HashSet<string> SpecialWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    };

    public static string Write(YamlMapping document)
    {
        var text = new StringBuilder();
        WriteMapping(text, document, 0, firstLineIndented: true);
        return text.ToString();
    }

    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
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
                default:
                    // Control and format characters, and the line and paragraph separators YAML 1.1 breaks lines at.
                    if (Rune.IsControl(rune) || rune.Value is 0x85 or 0x2028 or 0x2029 or 0xFEFF)
                    {
                        quoted.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(rune.ToString());
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }

    private static string Key(string key) => PlainKey().IsMatch(key) && !SpecialWords.Contains(key) ? key : Quote(key);

    private static void WriteMapping(StringBuilder text, YamlMapping mapping, int indent, bool firstLineIndented)
    {
        var first = true;
        foreach (var (key, value) in mapping.Entries)
        {
            if (!first || firstLineIndented)
            {
                text.Append(' ', indent);
            }

            first = false;
            text.Append(Key(key)).Append(':');
            WriteValue(text, value, indent);
        }
    }

    /// <summary>After "key:" or "-": a scalar or empty collection on the same line, else the block below.</summary>
    private static void WriteValue(StringBuilder text, YamlNode value, int indent)
    {
        switch (value)
        {
            case YamlString s:
                text.Append(' ').Append(Quote(s.Value)).Append('\n');
                break;
            case YamlLiteral literal:
                text.Append(' ').Append(literal.Text).Append('\n');
                break;
            case YamlMapping { Entries.Count: 0 }:
                text.Append(" {}\n");
                break;
            case YamlSequence { Items.Count: 0 }:
                text.Append(" []\n");
                break;
            case YamlMapping mapping:
                text.Append('\n');
                WriteMapping(text, mapping, indent + 2, firstLineIndented: true);
                break;
            case YamlSequence sequence:
                text.Append('\n');
                foreach (var item in sequence.Items)
                {
                    text.Append(' ', indent + 2).Append('-');
                    if (item is YamlMapping { Entries.Count: > 0 } entry)
                    {
                        // "- key: value" with the mapping's other keys under the first.
                        text.Append(' ');
                        WriteMapping(text, entry, indent + 4, firstLineIndented: false);
                    }
                    else
                    {
                        WriteValue(text, item, indent + 2);
                    }
                }

                break;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex PlainKey();
}
