namespace LiquidMetal.Reconciler.Agents;

/// <summary>A metal assignment's state as its agent reports it.</summary>
public enum MetalPhase
{
    Pending,
    Bootstrapping,
    Ready,
    Failed,
    Resetting,
}
