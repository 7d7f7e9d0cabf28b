using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Reads a call's status on the client side: from grpc-status headers or trailers, or mapped from HTTP.</summary>
internal static class ClientStatus
{
    public static bool TryRead(HttpHeaders headers, out CallStatus status)
    {
        status = default;
        var code = Single(headers, GrpcProtocol.StatusHeader);
        if (code is null)
        {
            return false;
        }

        var message = Single(headers, GrpcProtocol.MessageHeader);
        var detail = message is null ? null : PercentEncoding.Decode(message);
        status = int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new CallStatus((StatusCode)value, detail, null)
            : new CallStatus(StatusCode.Unknown, $"Unparsable grpc-status '{code}'", null);
        return true;
    }

    public static string? Single(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    public static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (!GrpcProtocol.IsProtocolHeader(name))
            {
                foreach (var value in values)
                {
                    metadata.AddReceived(name, value);
                }
            }
        }

        return metadata;
    }

    /// <summary>The mapping of http-grpc-status-mapping.md, for responses that never reached a gRPC server.</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The RST_STREAM error code mapping of PROTOCOL-HTTP2.md.</summary>
    public static StatusCode FromHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,
        0x8 => StatusCode.Cancelled,
        0xb => StatusCode.ResourceExhausted,
        0xc => StatusCode.PermissionDenied,
        _ => StatusCode.Internal,
    };
}
