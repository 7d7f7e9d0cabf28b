using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiquidMetal.Cli.Tests;

/// <summary>What the CLI tests share: the repository's fleet-example, and git run as a person would (fixed author).</summary>
internal static class TestRepos
{
    /// <summary>The fleet-example folder at the repository's root.</summary>
    public static string Example([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "fleet-example"));

    /// <summary>Runs git in <paramref name="directory"/>; fails the test, with git's error, unless it exits 0.</summary>
    public static void Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "Test";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "test@example.com";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.Wait();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
    }
}
