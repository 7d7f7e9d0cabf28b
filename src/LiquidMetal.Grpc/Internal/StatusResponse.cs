using Microsoft.AspNetCore.Http;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Writes a call's status: as trailers after messages, or as a trailers-only response when nothing was sent.</summary>
internal static class StatusResponse
{
    /// <summary>One HEADERS frame with END_STREAM carrying the status, which is what gRPC expects for an immediate error.</summary>
    public static void WriteTrailersOnly(HttpResponse response, CallStatus status, Metadata? headers = null)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        AppendMetadata(response.Headers, headers);
        AppendMetadata(response.Headers, status.Trailers);
        response.Headers[GrpcProtocol.StatusHeader] = StatusText(status.Code);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }
    }

    public static void AppendTrailers(HttpResponse response, CallStatus status)
    {
        if (status.Trailers is not null)
        {
            foreach (var (key, value) in status.Trailers)
            {
                response.AppendTrailer(key, value);
            }
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, StatusText(status.Code));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }
    }

    public static void AppendMetadata(IHeaderDictionary headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var (key, value) in metadata)
        {
            headers.Append(key, value);
        }
    }

    private static string StatusText(StatusCode code) => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
