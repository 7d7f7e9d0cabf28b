namespace LiquidMetal.Reconciler.Webhook;

/// <summary>How the push webhook is checked: the shared secret, the branch it cares about and the largest body it reads.</summary>
public sealed record WebhookOptions
{
    public required byte[] Secret { get; init; }

    public required string Branch { get; init; }

    /// <summary>GitHub caps payloads at 25 MB; a fleet push event is a few KiB, so 1 MiB is generous.</summary>
    public int MaxBodyBytes { get; init; } = 1 << 20;

    public string Path { get; init; } = "/webhook";
}
