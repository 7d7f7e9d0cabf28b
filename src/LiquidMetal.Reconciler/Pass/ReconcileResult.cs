using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Reconciler.Pass;

/// <summary>What one pass did: how it ended, for which revision, the status commit it wrote, and how long it took.</summary>
/// <param name="Revision">The head revision the pass judged; null when it could not read one.</param>
/// <param name="StatusCommit">The status commit it pushed; null when nothing changed.</param>
/// <param name="Errors">Why the revision was rejected, or why the pass failed.</param>
public sealed record ReconcileResult(ReconcileOutcome Outcome, string? Revision, string? StatusCommit, ImmutableArray<Diagnostic> Errors, PassTimings Timings)
{
    /// <summary>Problems that did not stop the pass, like a status document someone broke by hand (it is rewritten).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    /// <summary>The revision was applicable: the pass applied it (as far as it could) or found nothing to do.</summary>
    public bool Valid => Outcome is ReconcileOutcome.Idle or ReconcileOutcome.Converged or ReconcileOutcome.Converging;

    public bool Converged => Outcome is ReconcileOutcome.Idle or ReconcileOutcome.Converged;

    public TimeSpan Duration => Timings.Total;

    public static ReconcileResult Failed(string message, TimeSpan duration) =>
        new(ReconcileOutcome.Failed, null, null, [new Diagnostic(SourceLocation.OfFile("(repository)"), message)], new PassTimings(duration));
}
