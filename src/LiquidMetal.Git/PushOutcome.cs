namespace LiquidMetal.Git;

/// <summary>How a push ended: accepted, or rejected because the branch moved (fetch, redo on the new tip, retry).</summary>
public sealed record PushOutcome(bool Accepted, string? RejectionReason)
{
    public static PushOutcome Pushed { get; } = new(true, null);

    public static PushOutcome Rejected(string reason) => new(false, reason);
}
