using System.Diagnostics;
using System.Text;

namespace LiquidMetal.Git.Tests;

/// <summary>Runs git as a person would, for test setup.</summary>
public static class Git
{
    public static string Run(string workingDirectory, params string[] arguments) => RunWith(workingDirectory, new Dictionary<string, string>(), arguments);

    /// <summary>Runs git with extra environment variables for this one process.</summary>
    public static string RunWith(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GIT_AUTHOR_NAME"] = info.Environment["GIT_COMMITTER_NAME"] = "Test Person";
        info.Environment["GIT_AUTHOR_EMAIL"] = info.Environment["GIT_COMMITTER_EMAIL"] = "person@example.com";
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {stderr}");
        }

        return stdout.Trim();
    }

    /// <summary>A clone where a test plays the person who pushes to the fleet repo.</summary>
    public static string Clone(string url)
    {
        var directory = Directory.CreateTempSubdirectory("lm-work-").FullName;
        Run(directory, "clone", "--quiet", url, ".");
        Run(directory, "config", "user.name", "Test Person");
        Run(directory, "config", "user.email", "person@example.com");
        return directory;
    }

    public static string CommitFile(string clone, string path, string content, string message)
    {
        var full = Path.Combine(clone, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content, new UTF8Encoding(false));
        Run(clone, "add", "--", path);
        Run(clone, "commit", "--quiet", "-m", message);
        return Run(clone, "rev-parse", "HEAD");
    }
}
