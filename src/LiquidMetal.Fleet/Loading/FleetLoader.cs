using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Templates;
using LiquidMetal.Fleet.Validation;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Loading;

/// <summary>
/// Reads a fleet repo (fleet.yaml, hosts/*.yaml, clusters/*.yaml) into a <see cref="FleetDefinition"/>, or
/// reports every problem it has, each at file:line:col. All or nothing: one error and there is no fleet.
/// </summary>
public static class FleetLoader
{
    /// <summary>No fleet file may be larger than this (a host or a cluster is a page of YAML).</summary>
    public const long MaxFileBytes = 1024 * 1024;

    public const string ApiVersion = "liquidmetal.dev/v1alpha1";

    public const string FleetFileName = "fleet.yaml";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What kind a path holds by the layout convention, or null when the path is not part of the fleet.</summary>
    public static string? KindOf(string path)
    {
        if (IsHidden(path))
        {
            return null;
        }

        if (path == FleetFileName)
        {
            return "Fleet";
        }

        var slash = path.IndexOf('/');
        if (slash < 0 || path.IndexOf('/', slash + 1) >= 0 || !IsYaml(path))
        {
            return null;
        }

        return path[..slash] switch
        {
            "hosts" => "Host",
            "clusters" => "Cluster",
            "networks" => "Network",
            _ => null,
        };
    }

    /// <summary>The folders that hold the fleet's documents, one kind each.</summary>
    public static readonly IReadOnlyList<string> Folders = ["clusters", "hosts", "networks"];

    /// <summary>Whether a path is one the loader reads or must complain about (any YAML at the root, in hosts/, clusters/ or networks/).</summary>
    public static bool IsFleetPath(string path) =>
        IsYaml(path) && !IsHidden(path) && (path.IndexOf('/') < 0 || Folders.Any(f => path.Length > f.Length && path.StartsWith(f, StringComparison.Ordinal) && path[f.Length] == '/'));

    /// <summary>
    /// verify.mode as a fleet.yaml text declares it, read without loading the fleet: "none" when it declares none,
    /// null when the text is not a readable YAML mapping (so whether it asks for signatures cannot be told).
    /// </summary>
    public static string? DeclaredVerifyMode(string fleetYaml)
    {
        var tree = YamlTree.Parse(FleetFileName, fleetYaml, [], keepLocations: false);
        return tree.Root is JObject root ? root.Mapping("spec")?.Mapping("verify")?.Text("mode") ?? "none" : null;
    }

    /// <summary>Reads a fleet directory from disk (with its safety limits) and loads it.</summary>
    public static FleetLoadResult LoadDirectory(string directory)
    {
        FleetSchemas.Preload();
        var diagnostics = new List<Diagnostic>();
        if (!Directory.Exists(directory))
        {
            diagnostics.Add(new Diagnostic(SourceLocation.OfFile(directory), "no such directory: expected a fleet directory holding fleet.yaml, hosts/ and clusters/"));
            return new FleetLoadResult(null, [.. diagnostics]);
        }

        var files = FleetDirectory.Read(directory, diagnostics);

        // A file refused on disk (too big, a symlink out) is missing from what is loaded: checks that need every host would mislead.
        var result = Load(files, touched: null, complete: diagnostics.Count == 0);
        return diagnostics.Count == 0 ? result : result with { Fleet = null, Diagnostics = [.. diagnostics, .. result.Diagnostics] };
    }

    /// <summary>Pure: parses, schema-checks and semantically checks in-memory files.</summary>
    /// <param name="cache">Reuses what files with unchanged bytes parsed to in the last load through the same cache.</param>
    public static FleetLoadResult Load(IReadOnlyList<FleetFile> files, ParseCache? cache = null) => Load(files, touched: null, cache: cache);

    internal static FleetLoadResult Load(IReadOnlyList<FleetFile> files, ISet<string>? touched, bool complete = true, ParseCache? cache = null)
    {
        FleetSchemas.Preload();
        var ordered = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var parsed = new ParsedFile[ordered.Length];
        var parses = 0;
        ParsedFile Parse(FleetFile file)
        {
            Interlocked.Increment(ref parses);
            return ParseFile(file, touched);
        }

        cache = touched is null ? cache : null; // a load that lists the fields it reads parses every file itself
        cache?.Begin();
        if (ordered.Length > 64 && touched is null)
        {
            Parallel.For(0, ordered.Length, i => parsed[i] = cache is null ? Parse(ordered[i]) : cache.GetOrParse(ordered[i], Parse));
        }
        else
        {
            for (var i = 0; i < ordered.Length; i++)
            {
                parsed[i] = cache is null ? Parse(ordered[i]) : cache.GetOrParse(ordered[i], Parse);
            }
        }

        cache?.End(parses);

        var diagnostics = new List<Diagnostic>();
        foreach (var file in parsed)
        {
            diagnostics.AddRange(file.Diagnostics);
        }

        var fleetFiles = parsed.Where(p => p.Kind == "Fleet").ToList();
        if (fleetFiles.Count == 0)
        {
            diagnostics.Add(new Diagnostic(SourceLocation.OfFile(FleetFileName),
                ordered.Length == 0
                    ? "the fleet is empty: a fleet directory needs fleet.yaml (kind: Fleet) at its root, hosts/<name>.yaml and clusters/<name>.yaml"
                    : "no fleet.yaml: a fleet directory needs fleet.yaml (kind: Fleet) at its root"));
        }

        var settings = fleetFiles.FirstOrDefault()?.Settings;
        var hosts = parsed.Where(p => p.Host is not null).Select(p => p.Host!).ToList();
        var clusters = parsed.Where(p => p.Cluster is not null).Select(p => p.Cluster!).ToList();
        var networks = parsed.Where(p => p.Network is not null).Select(p => p.Network!).ToList();
        var sources = new SourceMap(parsed.Where(p => p.Text is not null).ToDictionary(p => p.Path, p => p.Text!, StringComparer.Ordinal));

        if (settings is not null)
        {
            var fleet = new FleetDefinition(
                settings,
                [.. hosts.OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.File, StringComparer.Ordinal)],
                [.. clusters.OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.File, StringComparer.Ordinal)],
                sources)
            {
                Networks = [.. networks.OrderBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.File, StringComparer.Ordinal)],
            };
            var allHostsLoaded = complete && parsed.All(p => p.Kind != "Host" || p.Host is not null);
            var allLoaded = complete && parsed.All(p => p.Diagnostics.Count == 0);
            var (resolved, semantic) = SemanticChecks.Run(fleet, allHostsLoaded, allLoaded);
            diagnostics.AddRange(semantic);
            if (diagnostics.Count == 0)
            {
                return new FleetLoadResult(resolved, []);
            }
        }

        return new FleetLoadResult(null, [.. diagnostics]);
    }

    private static ParsedFile ParseFile(FleetFile file, ISet<string>? touched)
    {
        var result = new ParsedFile { Path = file.Path, Kind = KindOf(file.Path) };
        var diagnostics = result.Diagnostics;
        if (result.Kind is null)
        {
            if (IsFleetPath(file.Path))
            {
                diagnostics.Add(new Diagnostic(SourceLocation.OfFile(file.Path),
                    "YAML file outside the fleet layout: the fleet is fleet.yaml, hosts/<name>.yaml and clusters/<name>.yaml (move or delete this file)"));
            }

            return result;
        }

        if (file.Content.LongLength > MaxFileBytes)
        {
            diagnostics.Add(new Diagnostic(SourceLocation.OfFile(file.Path),
                $"file is {file.Content.LongLength:N0} bytes; fleet files may be at most {MaxFileBytes:N0} bytes (1 MiB)"));
            return result;
        }

        if (!TryDecode(file, diagnostics, out var text))
        {
            return result;
        }

        // Read without building a path and a location for every node: only a file with a problem needs them, and it is
        // read again for them (Located). A third of a 1,000-host load went to locations nobody asked for.
        // A file the YAML reader finds fault with is read again with them too, for messages such as "first at line 3".
        var tree = YamlTree.Parse(file.Path, text, [], keepLocations: false);
        YamlTree? located = null;
        YamlTree Located() => located ??= YamlTree.Parse(file.Path, text, [], keepLocations: true);
        if (tree.Root is null)
        {
            tree = located = YamlTree.Parse(file.Path, text, diagnostics, keepLocations: true);
        }
        result.Text = text;
        if (tree.Root is not JObject root)
        {
            return result;
        }

        if (root["kind"] is JValue { Type: JTokenType.String } kindToken && kindToken.Value<string>() is { } kind && kind != result.Kind)
        {
            var where = result.Kind == "Fleet" ? "fleet.yaml holds kind: Fleet" : $"files under {Folder(result.Kind)}/ hold kind: {result.Kind}";
            var move = kind switch
            {
                "Host" => " (move it to hosts/)",
                "Cluster" => " (move it to clusters/)",
                "Network" => " (move it to networks/)",
                _ => string.Empty,
            };
            diagnostics.Add(new Diagnostic(Located().Locations.GetValueOrDefault("kind", new SourceLocation(file.Path, 1, 1)), $"kind '{kind}' does not belong here: {where}{move}"));
            return result;
        }

        FleetSchemas.Validate(result.Kind, root, Located, file.Path, diagnostics);
        if (diagnostics.Count > 0)
        {
            return result;
        }

        var reader = new DocumentReader(root, touched);
        var name = reader.String(reader.Root, "metadata.name")!;
        if (result.Kind != "Fleet")
        {
            var stem = Path.GetFileNameWithoutExtension(file.Path);
            if (stem != name)
            {
                diagnostics.Add(new Diagnostic(Located().Locations["metadata.name"],
                    $"metadata.name '{name}' does not match the file name {file.Path}: rename the file to {Folder(result.Kind)}/{name}.yaml or set metadata.name: {stem}"));
            }
        }

        switch (result.Kind)
        {
            case "Fleet":
                result.Settings = DocumentMapper.Fleet(reader, file.Path);
                break;
            case "Host":
                result.Host = DocumentMapper.Host(reader, file.Path);
                break;
            case "Cluster":
                result.Cluster = DocumentMapper.Cluster(reader, file.Path);
                CheckTemplate(result.Cluster.UserDataTemplate, text, Located, file.Path, diagnostics);
                break;
            case "Network":
                result.Network = DocumentMapper.Network(reader, file.Path);
                break;
        }

        return result;
    }

    private static void CheckTemplate(string template, string text, Func<YamlTree> locate, string file, List<Diagnostic> diagnostics)
    {
        const string path = "spec.bootstrap.userData";
        var problems = template.Length == 0 ? [] : UserDataTemplate.Check(template);
        if (problems.IsEmpty || locate() is not { } tree || !tree.ScalarOffsets.TryGetValue(path, out var scalarStart))
        {
            return;
        }

        var start = tree.Locations[path];
        foreach (var problem in problems)
        {
            diagnostics.Add(new Diagnostic(TemplateLocation(template, problem.Offset, text, (int)scalarStart, start), $"{path}: {problem.Message}"));
        }
    }

    /// <summary>
    /// Where an offset inside a template value is in the file. A literal block (|) keeps lines one to one, so the
    /// template's line k is the k-th line after the header, shifted by the block's indentation; a one-line plain or
    /// quoted scalar is shifted by its column (and opening quote). Other styles fold lines: point at the scalar.
    /// </summary>
    private static SourceLocation TemplateLocation(string template, int offset, string text, int scalarStart, SourceLocation start)
    {
        var lineInTemplate = template.AsSpan(0, offset).Count('\n');
        var columnInTemplate = offset - (template.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1);
        if (offset == 0 || template[offset - 1] == '\n')
        {
            columnInTemplate = 0;
        }

        var style = scalarStart < text.Length ? text[scalarStart] : ' ';
        if (style == '|')
        {
            var lines = text.Split('\n');
            var header = start.Line - 1;
            var indentation = lines.Skip(header + 1).FirstOrDefault(l => l.Trim().Length > 0) is { } first ? first.Length - first.TrimStart(' ').Length : 0;
            var line = header + 1 + lineInTemplate;
            return line < lines.Length ? start with { Line = line + 1, Column = indentation + columnInTemplate + 1 } : start;
        }

        if (lineInTemplate == 0 && style != '>')
        {
            return start with { Column = start.Column + (style is '"' or '\'' ? 1 : 0) + columnInTemplate };
        }

        return start;
    }

    private static SourceLocation LocationOf(string file, string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new SourceLocation(file, line, index - lineStart + 1);
    }

    private static bool TryDecode(FleetFile file, List<Diagnostic> diagnostics, out string text)
    {
        var bytes = file.Content.AsSpan();
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var at = Math.Max(0, e.Index);
            var prefix = bytes[..Math.Min(at, bytes.Length)];
            var line = prefix.Count((byte)'\n') + 1;
            var lineStart = prefix.LastIndexOf((byte)'\n') + 1;
            var column = Encoding.UTF8.GetCharCount(prefix[lineStart..]) + 1; // characters, like every other column
            var bad = e.BytesUnknown is { Length: > 0 } unknown ? $" (byte 0x{unknown[0]:X2})" : string.Empty;
            diagnostics.Add(new Diagnostic(new SourceLocation(file.Path, line, column), $"the file is not valid UTF-8{bad}: save it as UTF-8"));
            text = string.Empty;
            return false;
        }

        var nul = text.IndexOf('\0');
        if (nul >= 0)
        {
            diagnostics.Add(new Diagnostic(LocationOf(file.Path, text, nul), "the file contains a NUL byte: fleet files are text"));
            return false;
        }

        return true;
    }

    private static string Folder(string kind) => kind switch
    {
        "Host" => "hosts",
        "Network" => "networks",
        _ => "clusters",
    };

    /// <summary>Hidden entries (.git, .github, .draft.yaml) are never part of the fleet, on disk or in a tree.</summary>
    private static bool IsHidden(string path) => path.StartsWith('.') || path.Contains("/.", StringComparison.Ordinal);

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal);

    private sealed class ParsedFile
    {
        public required string Path { get; init; }

        public string? Kind { get; init; }

        public List<Diagnostic> Diagnostics { get; } = [];

        /// <summary>The file's text, kept so that the fleet's <see cref="SourceMap"/> can point into it later.</summary>
        public string? Text { get; set; }

        public FleetSettings? Settings { get; set; }

        public HostDefinition? Host { get; set; }

        public ClusterDefinition? Cluster { get; set; }

        public NetworkDefinition? Network { get; set; }
    }
}
