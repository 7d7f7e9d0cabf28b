using System.Collections.Concurrent;
using LiquidMetal.Fleet.Yaml;

namespace LiquidMetal.Fleet.Diagnostics;

/// <summary>
/// Where every key and value of every loaded document sits, addressed by file and a Json.NET style
/// path ("spec.workerPools[1].hostSelector"). Lets schema errors, semantic checks and placement
/// failures all point at the YAML that caused them. Holds the files' texts and reads a file's locations the first
/// time something points into it: a valid fleet of thousands of files never pays for them.
/// </summary>
public sealed class SourceMap
{
    private readonly IReadOnlyDictionary<string, string> _texts;
    private readonly ConcurrentDictionary<string, Dictionary<string, SourceLocation>> _located = new(StringComparer.Ordinal);

    /// <param name="texts">Each file's text, by its path in the fleet.</param>
    public SourceMap(IReadOnlyDictionary<string, string> texts) => _texts = texts;

    public static SourceMap Empty { get; } = new(new Dictionary<string, string>());

    /// <summary>How many files' locations have been read: none for a fleet with nothing to point at.</summary>
    internal int LocatedFiles => _located.Count;

    /// <summary>The location of <paramref name="path"/> in <paramref name="file"/>, or of its nearest ancestor that exists.</summary>
    public SourceLocation Find(string file, string path)
    {
        if (!_texts.TryGetValue(file, out var text))
        {
            return SourceLocation.OfFile(file);
        }

        var paths = _located.GetOrAdd(file, static (name, source) => YamlTree.Parse(name, source, [], keepLocations: true).Locations, text);
        var current = path;
        while (true)
        {
            if (paths.TryGetValue(current, out var location))
            {
                return location;
            }

            if (current.Length == 0)
            {
                return SourceLocation.OfFile(file);
            }

            current = Parent(current);
        }
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? string.Empty : path[..cut];
    }
}
