namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// A kstatus-style condition (Ready, Reconciling, Stalled). <see cref="Since"/> moves only when the
/// status flips, so an unchanged world writes an unchanged file and no status commit.
/// </summary>
public sealed record Condition(string Type, bool Status, string Reason, string Message, DateTimeOffset Since);
