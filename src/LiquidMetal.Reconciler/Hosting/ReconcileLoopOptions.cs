using System.Net;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>How the long-running reconciler is triggered and where it listens.</summary>
public sealed record ReconcileLoopOptions
{
    /// <summary>Where the webhook, health and metrics endpoints listen; none when null.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>Whether <see cref="Listen"/> serves /metrics (the reconciler's meter in Prometheus text) as well.</summary>
    public bool ServeMetrics { get; init; } = true;

    /// <summary>The HMAC secret of push webhooks; the webhook is off when null.</summary>
    public byte[]? WebhookSecret { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Longer than any healthy pass can take: every git and agent call has a time limit (a fetch and a push 30 minutes
    /// each at most), so a pass running longer than this means the loop is stuck, and /readyz says so.
    /// </summary>
    public TimeSpan LongestPass { get; init; } = TimeSpan.FromMinutes(75);

    /// <summary>While a fleet converges, how soon to look again.</summary>
    public TimeSpan ConvergingRecheck { get; init; } = TimeSpan.FromSeconds(1);
}
