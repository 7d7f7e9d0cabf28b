namespace LiquidMetal.Fleet.Model;

/// <summary>The part a node plays in its cluster.</summary>
public enum NodeRole
{
    ControlPlane,
    Worker,
    Metal,
}
