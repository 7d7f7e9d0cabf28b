namespace LiquidMetal.Git;

/// <summary>One entry of a recursive tree listing: mode, type, object id, size (blobs) and path.</summary>
public sealed record TreeEntry(string Mode, string Type, string Id, long Size, string Path)
{
    public bool IsSymlink => Mode == "120000";

    public bool IsSubmodule => Mode == "160000";
}
