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
}
