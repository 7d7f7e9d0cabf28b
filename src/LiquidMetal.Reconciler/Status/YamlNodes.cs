using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Reading status files through YamlDotNet's representation model.</summary>
internal static class YamlNodes
{
    public static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new YamlException("expected one YAML document holding a mapping");
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
}
