namespace LiquidMetal.Reconciler.Pass;

/// <summary>How long a pass and its stages took.</summary>
/// <param name="StatusRead">Reading the status branch's documents and rendered hosts (nothing when the tip is the one this reconciler wrote or read last).</param>
/// <param name="Status">Composing, committing and pushing status.</param>
/// <param name="StatusCompose">The part of <paramref name="Status"/> spent building the documents.</param>
/// <param name="StatusObjects">The part of <paramref name="Status"/> spent writing the commit's objects into the mirror.</param>
/// <param name="StatusPush">The part of <paramref name="Status"/> spent pushing.</param>
public sealed record PassTimings(
    TimeSpan Total,
    TimeSpan Sync = default,
    TimeSpan StatusRead = default,
    TimeSpan Compile = default,
    TimeSpan Apply = default,
    TimeSpan Status = default,
    TimeSpan StatusCompose = default,
    TimeSpan StatusObjects = default,
    TimeSpan StatusPush = default);
