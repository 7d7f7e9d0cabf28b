using System.Diagnostics;

namespace LiquidMetal.Agent.Processes;

/// <summary>
/// Starts a VMM that outlives the agent: in its own session (no signal aimed at the agent's
/// process group or terminal reaches it) with its output in a file (a pipe to a dead agent
/// would kill it on its next write). The pid is the VMM's own: sh and setsid exec into it.
/// </summary>
internal static class DetachedProcess
{
    private const string Script = "log=$1; shift; exec setsid \"$@\" >\"$log\" 2>&1 </dev/null";

    public static Process Start(string fileName, IEnumerable<string> arguments, string outputLog, string workingDirectory)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("liquidmetal-vmm");
        info.ArgumentList.Add(outputLog);
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    /// <summary>Finds an executable on PATH, or returns the name unchanged when it is a path already.</summary>
    public static string? Resolve(string nameOrPath)
    {
        if (nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(nameOrPath) ? Path.GetFullPath(nameOrPath) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, nameOrPath))
            .FirstOrDefault(File.Exists);
    }
}
