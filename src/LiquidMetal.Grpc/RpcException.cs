namespace LiquidMetal.Grpc;

/// <summary>A call ended with a non-OK gRPC status; handlers throw it to return that status, clients catch it.</summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode statusCode, string? detail = null, Metadata? trailers = null)
        : base($"Status(StatusCode=\"{statusCode}\", Detail=\"{detail}\")")
    {
        StatusCode = statusCode;
        Detail = detail ?? string.Empty;
        Trailers = trailers ?? new Metadata();
    }

    /// <summary>The gRPC status code.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The status message (<c>grpc-message</c>), already percent-decoded.</summary>
    public string Detail { get; }

    /// <summary>Custom trailing metadata sent with the status.</summary>
    public Metadata Trailers { get; }
}
