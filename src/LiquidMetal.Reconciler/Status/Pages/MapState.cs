namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>What the capacity map shows of a node's state: a colour and, for all but running, a letter.</summary>
public enum MapState
{
    /// <summary>Running (and Ready in Kubernetes, where its API was asked).</summary>
    Running,

    /// <summary>Not running yet, or changing: pending, creating, bootstrapping, deleting, resetting.</summary>
    Pending,

    /// <summary>Running, but its Kubernetes node is not Ready (NotReady, Unknown, not registered).</summary>
    NotReady,

    Failed,

    /// <summary>Its host's agent did not answer.</summary>
    Unknown,
}
