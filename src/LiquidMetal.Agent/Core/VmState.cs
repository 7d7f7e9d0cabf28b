namespace LiquidMetal.Agent.Core;

/// <summary>Where a microVM is in its life, as the agent observed it.</summary>
public enum VmState
{
    /// <summary>Desired, not started yet.</summary>
    Pending,

    /// <summary>The VMM runs; the guest has not printed its ready marker yet.</summary>
    Creating,

    /// <summary>The guest printed its ready marker with the expected id and user-data hash.</summary>
    Running,

    /// <summary>The VMM exited or the guest did not come up; the reason says why, a restart follows after a backoff.</summary>
    Failed,

    /// <summary>Being stopped: removed from the desired state, or replaced by a changed spec.</summary>
    Deleting,
}
