using Microsoft.AspNetCore.Http;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Decides whether a request is a gRPC call this server can take, and answers it at once when it is not.</summary>
internal static class RequestCheck
{
    public static bool TryAccept(HttpContext httpContext, string method, out TimeSpan? timeout)
    {
        timeout = null;
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs trailers, which HTTP/1.1 clients do not read.
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return false;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = HttpMethods.Post;
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec asks for 415 so a plain HTTP client cannot mistake a gRPC error (HTTP 200) for success.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return false;
        }

        if (!GrpcProtocol.IsProtobufContentType(request.ContentType))
        {
            return Reject(response, StatusCode.Unimplemented, $"Content-Type '{request.ContentType}' is not supported; use application/grpc.");
        }

        // Routing matches paths case-insensitively, but gRPC method names are case-sensitive.
        if (!string.Equals(request.Path.Value, method, StringComparison.Ordinal))
        {
            return Reject(response, StatusCode.Unimplemented, $"Method {request.Path.Value} is not implemented.");
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (!GrpcProtocol.IsSupportedEncoding(encoding))
        {
            response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
            return Reject(response, StatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported.");
        }

        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                return Reject(response, StatusCode.Internal, $"Malformed grpc-timeout '{timeoutHeader}'.");
            }

            timeout = parsed;
        }

        return true;
    }

    /// <summary>The fallback for paths no method is mapped to: UNIMPLEMENTED for gRPC requests, a plain 404 otherwise.</summary>
    public static Task AnswerUnknownMethod(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            httpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        Reject(httpContext.Response, StatusCode.Unimplemented, $"Method {request.Path.Value} is not implemented.");
        return Task.CompletedTask;
    }

    private static bool Reject(HttpResponse response, StatusCode code, string detail)
    {
        StatusResponse.WriteTrailersOnly(response, new CallStatus(code, detail, null));
        return false;
    }
}
