namespace LiquidMetal.Reconciler.Pass;

/// <summary>How one pass ended.</summary>
public enum ReconcileOutcome
{
    /// <summary>Nothing moved since a converged pass: nothing was read, applied or written.</summary>
    Idle,

    /// <summary>Every host runs the head revision and every cluster is ready (or suspended).</summary>
    Converged,

    /// <summary>The head revision is valid and applied as far as it could be; VMs are still coming up, or hosts did not answer.</summary>
    Converging,

    /// <summary>The head revision was not applied (invalid, or not trusted); what runs stays, and status says why.</summary>
    Rejected,

    /// <summary>The pass could not run (the remote has no fleet branch, or it is unreachable); nothing changed.</summary>
    Failed,
}
