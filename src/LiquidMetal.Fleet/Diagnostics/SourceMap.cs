namespace LiquidMetal.Fleet.Diagnostics;

/// <summary>
/// Where every key and value of every loaded document sits, addressed by file and a Json.NET style
/// path ("spec.workerPools[1].hostSelector"). Lets schema errors, semantic checks and placement
/// failures all point at the YAML that caused them.
/// </summary>
public sealed class SourceMap
{
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, SourceLocation>> _byFile;

    public SourceMap(IReadOnlyDictionary<string, IReadOnlyDictionary<string, SourceLocation>> byFile) => _byFile = byFile;

    public static SourceMap Empty { get; } = new(new Dictionary<string, IReadOnlyDictionary<string, SourceLocation>>());

    /// <summary>The location of <paramref name="path"/> in <paramref name="file"/>, or of its nearest ancestor that exists.</summary>
    public SourceLocation Find(string file, string path)
    {
        if (!_byFile.TryGetValue(file, out var paths))
        {
            return SourceLocation.OfFile(file);
        }

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
