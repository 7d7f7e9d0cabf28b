namespace LiquidMetal.Grpc;

/// <summary>Per-call settings for <see cref="GrpcClient"/>: metadata, a deadline or timeout, and cancellation.</summary>
public readonly record struct CallOptions
{
    /// <summary>Request metadata, e.g. <c>authorization</c>.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>When the call must be finished; sent as <c>grpc-timeout</c> and enforced locally.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>A timeout from the start of the call; when both are set, the earlier of the two wins.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Cancels the call (an RST_STREAM to the server); the call then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }
}
