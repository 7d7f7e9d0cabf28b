namespace LiquidMetal.Grpc;

/// <summary>Settings for the gRPC endpoints; configure with <c>services.Configure&lt;GrpcServerOptions&gt;(...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The largest request message accepted, in bytes; a larger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>The largest response message sent, in bytes, or null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Whether a handler's exception message is sent to the client; off, so internals do not leak.</summary>
    public bool IncludeExceptionDetails { get; set; }

    /// <summary>Runs before every handler, e.g. an authorization check; throw <see cref="RpcException"/> to reject the call.</summary>
    public Func<ServerCallContext, ValueTask>? OnCallStarting { get; set; }
}
