namespace LiquidMetal.Reconciler.Agents;

/// <summary>A microVM's state as its agent reports it.</summary>
public enum VmPhase
{
    /// <summary>A state this reconciler does not know (a newer agent).</summary>
    Unknown,
    Pending,
    Creating,
    Running,
    Failed,
    Deleting,
}
