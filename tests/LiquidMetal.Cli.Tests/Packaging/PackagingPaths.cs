using System.Runtime.CompilerServices;

namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>Where the packaging files and the built package are, from the repository's root.</summary>
internal static class PackagingPaths
{
    /// <summary>Set by <c>make test</c> to the package <c>make deb</c> built: then it must be there, never skipped.</summary>
    public const string DebVariable = "LIQUIDMETAL_DEB";

    public static string Root([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", ".."));

    public static string Packaging => Path.Combine(Root(), "packaging");

    /// <summary>The package to test: the one make names, else one that <c>make deb</c> left; null when there is none.</summary>
    public static string? Deb()
    {
        if (Environment.GetEnvironmentVariable(DebVariable) is { Length: > 0 } named)
        {
            return Path.GetFullPath(named, Root());
        }

        var built = Path.Combine(Root(), "artifacts", "deb");
        return Directory.Exists(built) ? Directory.EnumerateFiles(built, "liquidmetal_*_amd64.deb").FirstOrDefault() : null;
    }

    /// <summary>A program on PATH, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
