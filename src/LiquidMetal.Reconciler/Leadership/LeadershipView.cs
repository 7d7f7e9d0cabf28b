namespace LiquidMetal.Reconciler.Leadership;

/// <summary>
/// What a replica knows of the lead: <paramref name="Leading"/> it, or following <paramref name="Leader"/> (null or
/// empty while no holder has been seen, or after the holder released the lease).
/// </summary>
public sealed record LeadershipView(bool Leading, string? Leader);
