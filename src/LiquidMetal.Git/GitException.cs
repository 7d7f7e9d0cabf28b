namespace LiquidMetal.Git;

/// <summary>A git operation failed; the message names it (credentials never appear in it) and git's or libgit2's own words.</summary>
public sealed class GitException : Exception
{
    public GitException(string message)
        : base(message)
    {
    }

    public GitException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The exit code of the git process that failed, when one ran (128 + the signal's number when a signal killed it).</summary>
    public int? ExitCode { get; init; }

    /// <summary>
    /// Git was killed by SIGINT or SIGTERM: most likely a Ctrl+C at the terminal (which signals git and this process
    /// alike) or a stop of the whole process group, rather than a problem with the repository or the remote.
    /// </summary>
    public bool Interrupted => ExitCode is 128 + 2 or 128 + 15;
}
