using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Reading status files through YamlDotNet's representation model.</summary>
internal static class YamlNodes
{
    /// <summary>Status documents are small and flat; anything bigger or deeper is refused before it is built.</summary>
    public const int MaxCharacters = 1024 * 1024;

    public const int MaxDepth = 32;

    /// <summary>
    /// One document holding a mapping. Its events pass through a depth gauge on their way to the node builder (which
    /// recurses once per level), so a document nested deep enough to overflow the stack, or too large, is an error,
    /// not a crash: status documents come from a branch anyone with push access can write.
    /// </summary>
    public static YamlMappingNode Load(string yaml)
    {
        if (yaml.Length > MaxCharacters)
        {
            throw new YamlException($"the document has {yaml.Length:N0} characters; status documents have at most {MaxCharacters:N0}");
        }

        var stream = new YamlStream();
        stream.Load(new DepthLimited(new Parser(new StringReader(yaml))));
        return stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new YamlException("expected one YAML document holding a mapping");
    }

    /// <summary>Passes a parser's events on, refusing one that opens a collection more than <see cref="MaxDepth"/> deep.</summary>
    private sealed class DepthLimited(IParser inner) : IParser
    {
        private int _depth;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }

            if (inner.Current is MappingStart or SequenceStart && ++_depth > MaxDepth)
            {
                throw new YamlException(inner.Current.Start, inner.Current.End, $"nested more than {MaxDepth} levels deep");
            }

            if (inner.Current is MappingEnd or SequenceEnd)
            {
                _depth--;
            }

            return true;
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
}
