using LiquidMetal.Fleet.Diagnostics;
using Newtonsoft.Json.Linq;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// The one YAML reader: fleet files, rendered hosts, status documents. One document read into a JSON tree, with the
/// line and column of every value kept by Json.NET path ("spec.workerPools[1].vcpu"). Reads the parser's event stream
/// directly, so nothing is ever expanded: anchors and aliases are refused (no "billion laughs"), nesting is
/// bounded (no stack exhaustion), one document per file, duplicate keys are errors. Plain
/// scalars are typed by the YAML 1.2 core schema (so <c>yes</c> is a string, <c>1.30</c> a number).
/// </summary>
public sealed class YamlTree
{
    public const int MaxDepth = 32;

    private YamlTree(JToken? root, Builder builder)
    {
        Root = root;
        Locations = builder.Locations;
        KeyLocations = builder.KeyLocations;
        ScalarOffsets = builder.Offsets;
        RawScalars = builder.Raw;
    }

    /// <summary>The document, or null when it could not be read (see the diagnostics).</summary>
    public JToken? Root { get; }

    /// <summary>Where each path starts: the key for mappings and sequences, the value for scalars.</summary>
    public Dictionary<string, SourceLocation> Locations { get; }

    /// <summary>Where the key of each mapping entry is (for errors about the key itself, such as an unknown field).</summary>
    public Dictionary<string, SourceLocation> KeyLocations { get; }

    /// <summary>Character offset in the file text where each scalar value starts (for pointing inside it).</summary>
    public Dictionary<string, long> ScalarOffsets { get; }

    /// <summary>The text as written of scalars read as numbers or booleans ("1.30", not 1.3), for messages.</summary>
    public Dictionary<string, string> RawScalars { get; }

    /// <param name="keepLocations">False for documents whose values are only read, never pointed at (rendered hosts,
    /// status): no path is built and <see cref="Locations"/> and the other maps stay empty. Problems still say where.</param>
    public static YamlTree Parse(string file, string text, List<Diagnostic> diagnostics, bool keepLocations = true)
    {
        // About one node per 20 characters in fleet files: sized once, the location maps are not regrown as they fill.
        var builder = new Builder(file, diagnostics, keepLocations, keepLocations ? Math.Min(text.Length / 20, 4096) : 0);
        try
        {
            var parser = new Parser(new StringReader(text));
            builder.Run(parser);
        }
        catch (DepthExceeded)
        {
            return new YamlTree(null, builder);
        }
        catch (YamlException e)
        {
            diagnostics.Add(new Diagnostic(At(file, e.Start), $"invalid YAML: {Clean(e.Message)}"));
            return new YamlTree(null, builder);
        }

        return new YamlTree(builder.Failed ? null : builder.Root, builder);
    }

    /// <summary>
    /// One document that must be a mapping, from text LiquidMetal wrote and reads back (the status branch, which anyone
    /// with push access can write): the same guards as for fleet files, and a problem is a <see cref="FormatException"/>
    /// saying where.
    /// </summary>
    public static JObject ReadMapping(string text)
    {
        var diagnostics = new List<Diagnostic>();
        var tree = Parse(string.Empty, text, diagnostics, keepLocations: false);
        if (tree.Root is JObject root && diagnostics.Count == 0)
        {
            return root;
        }

        var first = diagnostics.FirstOrDefault();
        throw new FormatException(first is null ? "not a YAML mapping" : $"line {first.Location.Line}, column {first.Location.Column}: {first.Message}");
    }

    /// <summary>
    /// <see cref="ReadMapping(string)"/> of a file's UTF-8 bytes; a problem is an <see cref="InvalidDataException"/> that
    /// names <paramref name="path"/>.
    /// </summary>
    public static JObject ReadMapping(string path, byte[] content)
    {
        try
        {
            return ReadMapping(System.Text.Encoding.UTF8.GetString(content));
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static SourceLocation At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is printed separately.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(cut + 3)..] : message;
    }

    private sealed class Builder(string file, List<Diagnostic> diagnostics, bool keepLocations, int expectedNodes)
    {
        public Dictionary<string, SourceLocation> Locations { get; } = new(expectedNodes, StringComparer.Ordinal);

        public Dictionary<string, SourceLocation> KeyLocations { get; } = new(expectedNodes, StringComparer.Ordinal);

        public Dictionary<string, long> Offsets { get; } = new(expectedNodes, StringComparer.Ordinal);

        public Dictionary<string, string> Raw { get; } = new(StringComparer.Ordinal);

        public JToken? Root { get; private set; }

        public bool Failed { get; private set; }

        private Parser _parser = null!;

        public void Run(Parser parser)
        {
            _parser = parser;
            Next(); // StreamStart
            Next();
            if (_parser.Current is StreamEnd)
            {
                Fail(_parser.Current.Start, "the file is empty: expected one YAML document with apiVersion, kind, metadata and spec");
                return;
            }

            var documentStart = _parser.Current!.Start;
            Next(); // past DocumentStart
            Root = ReadNode(string.Empty, 1, null);
            Expect<DocumentEnd>();
            Next();
            if (_parser.Current is DocumentStart second)
            {
                Fail(second.Start, "a second YAML document: a fleet file holds exactly one document (split it into one file per host or cluster)");
            }

            if (Root is not JObject && !Failed)
            {
                Fail(documentStart, "the document is not a mapping: expected apiVersion, kind, metadata and spec at the top level");
            }
        }

        private JToken? ReadNode(string path, int depth, Mark? keyMark)
        {
            var current = _parser.Current!;
            if (current is AnchorAlias alias)
            {
                Fail(alias.Start, $"alias *{alias.Value}: YAML anchors and aliases are not allowed in fleet files; write the value out");
                Next();
                return null;
            }

            if (current is NodeEvent node && !node.Anchor.IsEmpty)
            {
                Fail(node.Start, $"anchor &{node.Anchor}: YAML anchors and aliases are not allowed in fleet files; write the value out");
            }

            if (depth > MaxDepth)
            {
                Fail(current.Start, $"nesting deeper than {MaxDepth} levels: no fleet document needs that");
                throw new DepthExceeded();
            }

            switch (current)
            {
                case Scalar scalar:
                    if (keepLocations)
                    {
                        Locations[path] = At(file, scalar.Start);
                        Offsets[path] = scalar.Start.Index;
                    }

                    Next();
                    var value = ScalarValue(scalar);
                    if (keepLocations && value.Type is not JTokenType.String and not JTokenType.Null)
                    {
                        Raw[path] = scalar.Value;
                    }

                    return value;
                case SequenceStart sequence:
                    if (keepLocations)
                    {
                        Locations[path] = At(file, keyMark ?? sequence.Start);
                    }

                    Next();
                    return ReadSequence(path, depth);
                case MappingStart mapping:
                    if (keepLocations)
                    {
                        Locations[path] = At(file, keyMark ?? mapping.Start);
                    }

                    Next();
                    return ReadMapping(path, depth);
                default:
                    throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
            }
        }

        private JArray ReadSequence(string path, int depth)
        {
            var array = new JArray();
            while (_parser.Current is not SequenceEnd)
            {
                array.Add(ReadNode(keepLocations ? YamlPath.Index(path, array.Count) : path, depth + 1, null) ?? JValue.CreateNull());
            }

            Next();
            return array;
        }

        private JObject ReadMapping(string path, int depth)
        {
            var mapping = new JObject();
            while (_parser.Current is not MappingEnd)
            {
                var keyEvent = _parser.Current!;
                string key;
                if (keyEvent is Scalar scalarKey)
                {
                    key = scalarKey.Value;
                    Next();
                }
                else
                {
                    Fail(keyEvent.Start, "a mapping key must be a plain string");
                    SkipNode();
                    SkipNode();
                    continue;
                }

                var childPath = keepLocations ? YamlPath.Child(path, key) : path;
                if (mapping.ContainsKey(key))
                {
                    // The first value's line, when it has one of its own (an alias records none).
                    var first = keepLocations && Locations.TryGetValue(childPath, out var at) ? $" (first at line {at.Line})" : string.Empty;
                    Fail(keyEvent.Start, $"duplicate key '{key}'{first}; keys must be unique");
                    SkipNode();
                    continue;
                }

                if (keepLocations)
                {
                    KeyLocations[childPath] = At(file, keyEvent.Start);
                }

                var value = ReadNode(childPath, depth + 1, _parser.Current is MappingStart or SequenceStart ? keyEvent.Start : null);
                mapping[key] = value ?? JValue.CreateNull();
            }

            Next();
            return mapping;
        }

        private void SkipNode()
        {
            var level = 0;
            do
            {
                if (_parser.Current is MappingStart or SequenceStart)
                {
                    level++;
                }
                else if (_parser.Current is MappingEnd or SequenceEnd)
                {
                    level--;
                }

                Next();
            }
            while (level > 0);
        }

        private JValue ScalarValue(Scalar scalar)
        {
            var text = scalar.Value;
            if (scalar.Style is not ScalarStyle.Plain)
            {
                return new JValue(text);
            }

            if (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific)
            {
                if (scalar.Tag.Value == "tag:yaml.org,2002:str")
                {
                    return new JValue(text);
                }
            }

            return YamlCoreSchema.Plain(text);
        }

        private void Expect<T>()
            where T : ParsingEvent
        {
            if (_parser.Current is not T)
            {
                throw new YamlException(_parser.Current!.Start, _parser.Current.End, $"expected {typeof(T).Name}");
            }
        }

        private void Next()
        {
            if (!_parser.MoveNext())
            {
                throw new YamlException("unexpected end of the file");
            }
        }

        private void Fail(Mark mark, string message)
        {
            Failed = true;
            diagnostics.Add(new Diagnostic(At(file, mark), message));
        }
    }

    private sealed class DepthExceeded : Exception;
}
