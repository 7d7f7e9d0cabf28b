namespace LiquidMetal.Git;

/// <summary>A git command failed; the message names the command (credentials never appear in it) and git's own words.</summary>
public sealed class GitException(string message) : Exception(message);
