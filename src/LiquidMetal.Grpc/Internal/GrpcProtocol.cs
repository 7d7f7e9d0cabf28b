namespace LiquidMetal.Grpc.Internal;

/// <summary>Names and constants of gRPC over HTTP/2 (PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string AcceptedEncodings = "identity,gzip";
    public const string UserAgent = "grpc-dotnet-liquidmetal/1.0";
    public const int FrameHeaderSize = 5;
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>True for <c>application/grpc</c> and <c>application/grpc+proto</c>, the two forms that mean protobuf.</summary>
    public static bool IsProtobufContentType(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals(ContentType + "+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for any <c>application/grpc</c> content type, including encodings this transport does not speak.</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a received <c>grpc-encoding</c> is one this transport can decompress.</summary>
    public static bool IsSupportedEncoding(string? encoding) =>
        string.IsNullOrEmpty(encoding) || encoding is "identity" or "gzip";

    /// <summary>True for header names that carry the protocol itself and so are not application metadata.</summary>
    public static bool IsProtocolHeader(string name) =>
        name.StartsWith(':') || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase);
}
