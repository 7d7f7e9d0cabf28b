namespace LiquidMetal.Reconciler.Leadership;

/// <summary>
/// Whether this reconciler may run passes: only the replica that leads does. The loop waits for a term before a pass
/// and passes the term's token to it, so the pass in flight is cancelled the moment the lead is lost.
/// </summary>
public interface ILeadership
{
    /// <summary>What this replica knows now: whether it leads, and who does.</summary>
    LeadershipView View { get; }

    /// <summary>Waits until this replica leads; returns at once while it does.</summary>
    Task<LeaderTerm> WaitToLeadAsync(CancellationToken cancellationToken);
}
