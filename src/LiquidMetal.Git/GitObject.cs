namespace LiquidMetal.Git;

/// <summary>An object read from a repository: its id, type (blob, tree, commit, tag) and raw content.</summary>
public sealed record GitObject(string Id, string Type, byte[] Content);
