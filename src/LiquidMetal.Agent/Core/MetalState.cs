namespace LiquidMetal.Agent.Core;

/// <summary>Where a metal assignment is: its bootstrap hook running, done, failed, or its reset hook running.</summary>
public enum MetalState
{
    Bootstrapping,
    Succeeded,
    Failed,
    Releasing,
}
