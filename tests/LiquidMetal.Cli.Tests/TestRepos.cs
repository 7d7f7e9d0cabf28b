using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace LiquidMetal.Cli.Tests;

/// <summary>What the CLI tests share: the repository's fleet-example, and git run as a person would (fixed author).</summary>
internal static partial class TestRepos
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

    /// <summary>fleet-example in a bare repository under <paramref name="root"/>, each host's agent at a loopback port where nothing listens.</summary>
    public static string FleetWithSilentAgents(string root)
    {
        // Ports that were free a moment ago, one per host (every host has its own agent).
        var listeners = Enumerable.Range(0, 5).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = new Queue<int>(listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port));
        listeners.ForEach(l => l.Stop());

        var clone = Path.Combine(root, "clone");
        foreach (var file in Directory.EnumerateFiles(Example(), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(clone, Path.GetRelativePath(Example(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            var text = File.ReadAllText(file);
            File.WriteAllText(to, to.Contains($"{Path.DirectorySeparatorChar}hosts{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                ? AgentEndpoint().Replace(text, _ => $"endpoint: http://127.0.0.1:{ports.Dequeue()}", 1)
                : text);
        }

        var bare = Path.Combine(root, "fleet.git");
        Git(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
        Git(clone, "init", "--quiet", "--initial-branch=main");
        Git(clone, "add", "-A");
        Git(clone, "commit", "--quiet", "-m", "fleet");
        Git(clone, "push", "--quiet", bare, "main");
        return bare;
    }

    [GeneratedRegex(@"endpoint: \S+")]
    private static partial Regex AgentEndpoint();
}
