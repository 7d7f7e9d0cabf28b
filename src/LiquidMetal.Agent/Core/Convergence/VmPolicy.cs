namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>The timing rules the per-VM state machine applies.</summary>
/// <param name="BootDeadline">How long a guest may take to print its ready marker.</param>
/// <param name="Backoff">Delay before restarting a failed VM.</param>
/// <param name="StableAfter">A VM that ran this long before failing starts its backoff afresh.</param>
internal sealed record VmPolicy(TimeSpan BootDeadline, BackoffPolicy Backoff, TimeSpan StableAfter);
