using System.Collections.Immutable;

namespace LiquidMetal.Git;

/// <summary>The remote's branch heads after a sync, and whether a fetch was needed to match them.</summary>
public sealed record SyncResult(ImmutableDictionary<string, string> RemoteHeads, bool Fetched);
