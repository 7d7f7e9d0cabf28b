using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// The one YAML writer: rendered hosts and status documents. The caller spells out the layout (keys in a fixed order,
/// each at its indentation), so the same document gives the same bytes; the writer decides how each scalar is written,
/// so that any YAML reader reads back exactly the value given. Keys are the caller's own words ("memoryMiB"), written
/// as they are; a key that comes from data (a metadata label) goes through <see cref="Entry"/>.
/// </summary>
public sealed class YamlWriter
{
    private readonly StringBuilder _text;

    // After "- ", the item's first field is already at its column: its indentation is not written again.
    private bool _inItem;

    public YamlWriter(int capacity)
        : this(new StringBuilder(capacity))
    {
    }

    /// <summary>Writes on at the end of <paramref name="text"/>: a builder reused from document to document.</summary>
    public YamlWriter(StringBuilder text) => _text = text;

    /// <summary>A comment line.</summary>
    public YamlWriter Comment(string text)
    {
        _text.Append("# ").Append(text).Append('\n');
        return this;
    }

    /// <summary>"key:" opening the mapping or sequence on the lines after it.</summary>
    public YamlWriter Open(int indent, string key)
    {
        Key(indent, key).Append('\n');
        return this;
    }

    /// <summary>"key: []".</summary>
    public YamlWriter EmptyList(int indent, string key)
    {
        Key(indent, key).Append(" []\n");
        return this;
    }

    /// <summary>"- " opening a sequence item at <paramref name="indent"/>; write its fields at <paramref name="indent"/> + 2.</summary>
    public YamlWriter Item(int indent)
    {
        Indent(indent).Append("- ");
        _inItem = true;
        return this;
    }

    /// <summary>A sequence of mappings: "key: []" when empty, else "key:" and each item's "- " at <paramref name="itemIndent"/>.</summary>
    public YamlWriter Sequence<T>(int indent, string key, int itemIndent, ImmutableArray<T> items, Action<YamlWriter, T> item)
    {
        if (items.IsEmpty)
        {
            return EmptyList(indent, key);
        }

        Open(indent, key);
        foreach (var each in items)
        {
            item(Item(itemIndent), each);
        }

        return this;
    }

    /// <summary>A sequence item that is human-readable text ("- text").</summary>
    public YamlWriter TextItem(int indent, string value)
    {
        YamlScalar.Append(Indent(indent).Append("- "), value, allowSpaces: true).Append('\n');
        return this;
    }

    /// <summary>A name, id, path or hash: plain only when it is a word; nothing at all when null.</summary>
    public YamlWriter Scalar(int indent, string key, string? value)
    {
        if (value is not null)
        {
            YamlScalar.Append(Key(indent, key).Append(' '), value).Append('\n');
        }

        return this;
    }

    /// <summary>Human-readable text (a reason, a message): plain when words and single spaces, quoted otherwise; nothing when null.</summary>
    public YamlWriter Text(int indent, string key, string? value)
    {
        if (value is not null)
        {
            YamlScalar.Append(Key(indent, key).Append(' '), value, allowSpaces: true).Append('\n');
        }

        return this;
    }

    /// <summary>Like <see cref="Scalar"/>, but text of several lines goes in a literal block (|) when a block can carry it.</summary>
    public YamlWriter Lines(int indent, string key, string? value)
    {
        if (value is not null && IsBlockSafe(value))
        {
            Key(indent, key);
            Block(indent + 2, value);
            return this;
        }

        return Scalar(indent, key, value);
    }

    /// <summary>A key from data (a label such as "liquidmetal.dev/cluster"), quoted when it must be, and its value as <see cref="Lines"/> writes it.</summary>
    public YamlWriter Entry(int indent, string key, string value)
    {
        YamlScalar.Append(Indent(indent), key);
        if (IsBlockSafe(value))
        {
            _text.Append(':');
            Block(indent + 2, value);
        }
        else
        {
            YamlScalar.Append(_text.Append(": "), value).Append('\n');
        }

        return this;
    }

    public YamlWriter Number(int indent, string key, long value)
    {
        Key(indent, key).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return this;
    }

    public YamlWriter Flag(int indent, string key, bool value)
    {
        Key(indent, key).Append(value ? " true\n" : " false\n");
        return this;
    }

    /// <summary>A point in time in UTC to the second ("2026-11-24T12:00:00Z"); nothing when null.</summary>
    public YamlWriter Time(int indent, string key, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            Key(indent, key).Append(' ').Append(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n');
        }

        return this;
    }

    public override string ToString() => _text.ToString();

    private StringBuilder Key(int indent, string key) => Indent(indent).Append(key).Append(':');

    private StringBuilder Indent(int indent)
    {
        if (_inItem)
        {
            _inItem = false;
            return _text;
        }

        return _text.Append(' ', indent);
    }

    /// <summary>Multi-line text goes in a literal block (|) when it has no characters a block cannot carry.</summary>
    private static bool IsBlockSafe(string value)
    {
        if (!value.Contains('\n'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if ((char.IsControl(c) && c is not '\n' and not '\t') || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF')
            {
                return false;
            }
        }

        // A literal block cannot carry trailing spaces on its last line, a first line indented by a tab, lines of
        // only blanks (YAML reads them as indentation), or text that is nothing but line breaks.
        if (value.EndsWith(' ') || value.StartsWith('\t'))
        {
            return false;
        }

        var hasText = false;
        foreach (var line in value.AsSpan().Split('\n'))
        {
            var text = value.AsSpan(line);
            if (text.Length > 0 && text.IsWhiteSpace())
            {
                return false;
            }

            hasText |= text.Length > 0;
        }

        return hasText;
    }

    private void Block(int indent, string value)
    {
        var trailing = value.Length - value.AsSpan().TrimEnd('\n').Length;
        var chomp = trailing switch
        {
            0 => "-",
            1 => string.Empty,
            _ => "+",
        };
        var body = value.AsSpan(0, value.Length - trailing); // a span: a VM's user-data is kilobytes, not copied again

        // YAML takes a block's indentation from its first non-empty line; when that line starts with spaces, say it (2: relative to the key).
        var indicator = body.TrimStart('\n').StartsWith(' ') ? "2" : string.Empty;
        _text.Append(" |").Append(indicator).Append(chomp).Append('\n');
        foreach (var line in body.Split('\n'))
        {
            if (line.End.Value > line.Start.Value)
            {
                _text.Append(' ', indent).Append(body[line]);
            }

            _text.Append('\n');
        }

        for (var i = 1; i < trailing; i++)
        {
            _text.Append('\n');
        }
    }
}
