namespace LiquidMetal.Reconciler.Status;

/// <summary>What a status write did.</summary>
/// <param name="Commit">The commit pushed; null when nothing changed (no commit).</param>
/// <param name="Status">The status as last composed (on the winner's commit after a lost push race).</param>
/// <param name="Tip">The status branch's tip now.</param>
/// <param name="Push">Time spent pushing.</param>
/// <param name="Objects">Time spent writing the commit's objects into the mirror (every attempt's).</param>
public sealed record StatusWrite(string? Commit, StatusCommit Status, string? Tip, TimeSpan Push, TimeSpan Objects = default);
