using System.Collections.Concurrent;
using System.Collections.Immutable;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Loading;

/// <summary>
/// Typed reads from a schema-checked document. Every field the loader reads goes through here, so a
/// test can list them and compare with the schema (the two must never disagree).
/// </summary>
internal sealed class DocumentReader(JObject root, ISet<string>? touched)
{
    // The paths are the mapper's literals, a few dozen: split each once, not on every read of every document.
    private static readonly ConcurrentDictionary<string, string[]> Segments = new(StringComparer.Ordinal);

    public JObject Root { get; } = root;

    public string? String(JToken? scope, string path) => Get(scope, path)?.Value<string>();

    public long? Long(JToken? scope, string path) => Get(scope, path) is { Type: JTokenType.Integer } token ? token.Value<long>() : null;

    public int? Int(JToken? scope, string path) => Long(scope, path) is { } value ? (int)Math.Clamp(value, int.MinValue, int.MaxValue) : null;

    public double? Double(JToken? scope, string path) => Get(scope, path) is { Type: JTokenType.Integer or JTokenType.Float } token ? token.Value<double>() : null;

    public bool? Bool(JToken? scope, string path) => Get(scope, path) is { Type: JTokenType.Boolean } token ? token.Value<bool>() : null;

    public JObject? Object(JToken? scope, string path) => Get(scope, path) as JObject;

    public IEnumerable<JObject> Objects(JToken? scope, string path) => (Get(scope, path) as JArray)?.OfType<JObject>() ?? [];

    public IEnumerable<string> Strings(JToken? scope, string path) =>
        (Get(scope, path) as JArray)?.Select(item => item.Value<string>()).OfType<string>() ?? [];

    /// <summary>A string-to-string map (labels, selectors), sorted by key.</summary>
    public ImmutableSortedDictionary<string, string> Map(JToken? scope, string path)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (Get(scope, path) is JObject map)
        {
            foreach (var (key, value) in map)
            {
                if (value?.Type == JTokenType.String)
                {
                    builder[key] = value.Value<string>()!;
                }
            }
        }

        return builder.ToImmutable();
    }

    private JToken? Get(JToken? scope, string path)
    {
        if (scope is null)
        {
            return null;
        }

        if (touched is not null)
        {
            touched.Add(Pattern(scope.Path, path));
        }

        var current = scope;
        foreach (var segment in Segments.GetOrAdd(path, static p => p.Split('.')))
        {
            current = (current as JObject)?[segment];
            if (current is null)
            {
                return null;
            }
        }

        return current.Type == JTokenType.Null ? null : current;
    }

    private static string Pattern(string scopePath, string path)
    {
        var full = scopePath.Length == 0 ? path : scopePath + "." + path;
        var pattern = new System.Text.StringBuilder(full.Length);
        var inIndex = false;
        foreach (var c in full)
        {
            if (c == '[')
            {
                inIndex = true;
                pattern.Append("[]");
            }
            else if (c == ']')
            {
                inIndex = false;
            }
            else if (!inIndex)
            {
                pattern.Append(c);
            }
        }

        return pattern.ToString();
    }
}
