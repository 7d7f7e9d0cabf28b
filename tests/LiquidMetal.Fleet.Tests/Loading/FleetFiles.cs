using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>
/// The files of fleet-example/ as a mutable path -> text map, so a test starts from the valid example and breaks exactly one thing.
/// </summary>
internal sealed class FleetFiles
{
    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    private static readonly Lazy<string> Root = new(FindRepoRoot);

    /// <summary>The repository root (the directory holding LiquidMetal.sln).</summary>
    public static string RepoRoot => Root.Value;

    public static string ExampleDirectory => Path.Combine(RepoRoot, "fleet-example");

    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>A fresh copy of fleet-example/ (every file, by '/'-separated relative path).</summary>
    public static FleetFiles Example()
    {
        var files = new FleetFiles();
        foreach (var full in Directory.EnumerateFiles(ExampleDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(ExampleDirectory, full).Replace(Path.DirectorySeparatorChar, '/');
            files._files[relative] = File.ReadAllBytes(full);
        }

        Assert.True(files._files.Count >= 8, $"fleet-example has only {files._files.Count} files");
        return files;
    }

    public static FleetFiles Empty() => new();

    /// <summary>A file's text (UTF-8); setting it adds or replaces the file.</summary>
    public string this[string path]
    {
        get => _files.TryGetValue(path, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new KeyNotFoundException(path);
        set => _files[path] = Encoding.UTF8.GetBytes(value);
    }

    public byte[] Bytes(string path) => _files[path];

    public void SetBytes(string path, byte[] content) => _files[path] = content;

    public bool Contains(string path) => _files.ContainsKey(path);

    public void Remove(string path) => Assert.True(_files.Remove(path), $"no file {path}");

    /// <summary>Replaces the one occurrence of <paramref name="oldText"/> in a file (fails if it is not there exactly once).</summary>
    public void Replace(string path, string oldText, string newText)
    {
        var text = this[path];
        var first = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{oldText}' is not in {path}");
        Assert.True(text.IndexOf(oldText, first + 1, StringComparison.Ordinal) < 0, $"'{oldText}' is in {path} more than once");
        this[path] = string.Concat(text.AsSpan(0, first), newText, text.AsSpan(first + oldText.Length));
    }

    /// <summary>
    /// Where <paramref name="needle"/> (its <paramref name="occurrence"/>th appearance) starts in a file, plus
    /// <paramref name="offset"/> characters: 1-based line and column, as the loader reports them.
    /// </summary>
    public SourceLocation At(string path, string needle, int offset = 0, int occurrence = 1) => Locate(path, this[path], needle, offset, occurrence);

    public static SourceLocation Locate(string path, string text, string needle, int offset = 0, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(needle, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{needle}' (occurrence {occurrence}) is not in {path}");
        }

        index += offset;
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

        return new SourceLocation(path, line, index - lineStart + 1);
    }

    public List<FleetFile> ToList() => [.. _files.Select(kv => new FleetFile(kv.Key, kv.Value))];

    public FleetLoadResult Load() => FleetLoader.Load(ToList());

    /// <summary>Writes the files under <paramref name="directory"/> (created as needed).</summary>
    public void WriteTo(string directory)
    {
        foreach (var (path, content) in _files)
        {
            var full = Path.Combine(directory, path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }
    }

    private static string FindRepoRoot()
    {
        // The test assembly normally runs from <repo>/artifacts/...; with LM_ARTIFACTS (a separate output tree
        // outside the checkout) it does not, so fall back to where this source file was compiled from.
        return Above(AppContext.BaseDirectory) ?? Above(Path.GetDirectoryName(SourceFile())!)
            ?? throw new InvalidOperationException($"no LiquidMetal.sln above {AppContext.BaseDirectory} or {SourceFile()}");
    }

    private static string? Above(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiquidMetal.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}

/// <summary>A temporary directory, deleted (symlinks included, never followed) on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("lm-fleet-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Assertions on load results that print every diagnostic when they fail.</summary>
internal static class LoadAssert
{
    public static string Show(FleetLoadResult result) =>
        result.Diagnostics.IsEmpty ? "(no diagnostics)" : string.Join("\n", result.Diagnostics.Select(d => d.ToString()));

    public static void Valid(FleetLoadResult result)
    {
        Assert.True(result.IsValid, "expected a valid fleet, got:\n" + Show(result));
        Assert.NotNull(result.Fleet);
    }

    /// <summary>Exactly one diagnostic, at <paramref name="location"/>, whose message contains every part.</summary>
    public static Diagnostic Single(FleetLoadResult result, SourceLocation location, params string[] messageParts)
    {
        Assert.Null(result.Fleet);
        Assert.True(result.Diagnostics.Length == 1, $"expected exactly one diagnostic at {location}, got:\n" + Show(result));
        var diagnostic = result.Diagnostics[0];
        Assert.Equal(location, diagnostic.Location);
        Contains(diagnostic, messageParts);
        return diagnostic;
    }

    /// <summary>Some diagnostic at <paramref name="location"/> contains every part.</summary>
    public static Diagnostic Has(FleetLoadResult result, SourceLocation location, params string[] messageParts)
    {
        Assert.Null(result.Fleet);
        var at = result.Diagnostics.Where(d => d.Location == location).ToList();
        Assert.True(at.Count > 0, $"expected a diagnostic at {location}, got:\n" + Show(result));
        var match = at.FirstOrDefault(d => messageParts.All(p => d.Message.Contains(p, StringComparison.Ordinal)));
        Assert.True(match is not null, $"no diagnostic at {location} says all of [{string.Join(" | ", messageParts)}]; got:\n" + Show(result));
        return match!;
    }

    public static void Contains(Diagnostic diagnostic, params string[] messageParts)
    {
        foreach (var part in messageParts)
        {
            Assert.True(diagnostic.Message.Contains(part, StringComparison.Ordinal), $"'{diagnostic}' does not say '{part}'");
        }
    }
}
