using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Git;

/// <summary>Where a tool keeps its bare mirror of a remote: one folder per URL under the user's cache.</summary>
public static class MirrorCache
{
    /// <summary>The mirror folder for <paramref name="repository"/> (a URL, or a local path made absolute).</summary>
    public static string PathFor(string repository)
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NormalizeUrl(repository))))[..16];
        return Path.Combine(root, "liquidmetal", "mirrors", key + ".git");
    }

    /// <summary>Local folders become absolute paths, so the same repository always maps to the same mirror.</summary>
    public static string NormalizeUrl(string repository) =>
        repository.Contains("://", StringComparison.Ordinal) || repository.Contains('@', StringComparison.Ordinal) ? repository : Path.GetFullPath(repository);

    /// <summary>A repository URL fit for logs and output: any credentials in it replaced.</summary>
    public static string ForDisplay(string url) => Internal.GitCli.Redact(url);
}
