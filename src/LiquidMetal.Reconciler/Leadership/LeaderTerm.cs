namespace LiquidMetal.Reconciler.Leadership;

/// <summary>
/// One uninterrupted time of leading. <paramref name="Number"/> grows with every new term, so the loop knows when it
/// leads again after a pause (and must then look at everything anew); <paramref name="Lost"/> is cancelled when it ends.
/// </summary>
public sealed record LeaderTerm(long Number, CancellationToken Lost);
