using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Small helpers over YamlDotNet's representation model, so status files are written and read the same way.</summary>
internal static class YamlNodes
{
    public static string Save(YamlMappingNode root)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();

        // YamlStream ends every document with "..."; a single-document file reads better without it.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    public static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new YamlException("expected one YAML document holding a mapping");
    }

    public static void Put(this YamlMappingNode node, string key, YamlNode value) => node.Add(key, value);

    public static void Put(this YamlMappingNode node, string key, string? value)
    {
        if (value is not null)
        {
            node.Add(key, new YamlScalarNode(value) { Style = NeedsQuotes(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any });
        }
    }

    public static void Put(this YamlMappingNode node, string key, long value) =>
        node.Add(key, new YamlScalarNode(value.ToString(CultureInfo.InvariantCulture)));

    public static void Put(this YamlMappingNode node, string key, bool value) =>
        node.Add(key, new YamlScalarNode(value ? "true" : "false"));

    public static void Put(this YamlMappingNode node, string key, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            node.Add(key, new YamlScalarNode(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        }
    }

    public static string? Text(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    public static string RequiredText(this YamlMappingNode node, string key) =>
        node.Text(key) ?? throw new YamlException($"missing '{key}' at {node.Start}");

    public static long Number(this YamlMappingNode node, string key) =>
        long.Parse(node.RequiredText(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static bool Flag(this YamlMappingNode node, string key) => node.RequiredText(key) == "true";

    public static DateTimeOffset? Time(this YamlMappingNode node, string key) =>
        node.Text(key) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : null;

    public static YamlMappingNode? Mapping(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    public static IEnumerable<YamlNode> Items(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    // Strings a YAML 1.2 reader would take for another type, or that are empty, stay strings only when quoted.
    private static bool NeedsQuotes(string value) =>
        value.Length == 0
        || value is "true" or "false" or "null" or "~" or "yes" or "no" or "on" or "off"
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
