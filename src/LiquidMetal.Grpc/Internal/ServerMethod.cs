using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Serves one gRPC method: checks the request, reads the one request message, runs the handler, writes the status.</summary>
/// <remarks>Unary is served as a server stream that writes exactly one message.</remarks>
internal sealed partial class ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    private static readonly MessageParser<TRequest> Parser = new(() => new TRequest());

    private readonly string _method;
    private readonly Func<TRequest, ServerCall, Task> _invoke;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;

    private ServerMethod(string method, Func<TRequest, ServerCall, Task> invoke, GrpcServerOptions options, ILogger logger)
    {
        _method = method;
        _invoke = invoke;
        _options = options;
        _logger = logger;
    }

    public static ServerMethod<TRequest, TResponse> Unary(
        string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler, GrpcServerOptions options, ILogger logger) =>
        new(method, async (request, call) =>
        {
            var response = await handler(request, call.Context)
                ?? throw new InvalidOperationException($"The handler of {method} returned no response.");
            await call.WriteAsync(response, flush: false, CancellationToken.None);
        }, options, logger);

    public static ServerMethod<TRequest, TResponse> ServerStreaming(
        string method,
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler,
        GrpcServerOptions options,
        ILogger logger) =>
        new(method, (request, call) => handler(request, new ServerStreamWriter<TResponse>(call), call.Context), options, logger);

    public async Task HandleAsync(HttpContext httpContext)
    {
        if (!RequestCheck.TryAccept(httpContext, _method, out var timeout))
        {
            return;
        }

        using var call = new ServerCall(httpContext, _method, timeout, _options.MaxSendMessageSize);
        var handler = RunAsync(httpContext, call);

        // The status goes out when the deadline passes even if the handler ignores its token.
        var first = await Task.WhenAny(handler, call.Cancelled);
        var status = first == handler ? await handler : call.CancellationStatus();
        if (status.Code is StatusCode.Cancelled or StatusCode.DeadlineExceeded && call.CancellationToken.IsCancellationRequested)
        {
            Log.CallCancelled(_logger, _method, call.ClientAborted ? "the client reset the stream" : "the deadline passed");
        }

        await call.CompleteAsync(status);
    }

    private async Task<CallStatus> RunAsync(HttpContext httpContext, ServerCall call)
    {
        try
        {
            if (_options.OnCallStarting is { } onCallStarting)
            {
                await onCallStarting(call.Context);
            }

            var request = await ReadRequestAsync(httpContext, call.CancellationToken);
            await _invoke(request, call);
            return new CallStatus(StatusCode.OK, null, call.Context.ResponseTrailers);
        }
        catch (RpcException exception)
        {
            Log.CallFailed(_logger, _method, exception.StatusCode, exception.Detail);
            var trailers = new Metadata();
            foreach (var (key, value) in call.Context.ResponseTrailers.Concat(exception.Trailers))
            {
                trailers.AddReceived(key, value);
            }

            return new CallStatus(exception.StatusCode, exception.Detail, trailers);
        }
        catch (OperationCanceledException) when (call.CancellationToken.IsCancellationRequested)
        {
            return call.CancellationStatus();
        }
        catch (Exception exception)
        {
            Log.HandlerFailed(_logger, _method, exception);
            var detail = _options.IncludeExceptionDetails
                ? $"{exception.GetType().Name}: {exception.Message}"
                : "The server failed to handle the call.";
            return new CallStatus(StatusCode.Unknown, detail, call.Context.ResponseTrailers);
        }
    }

    private async Task<TRequest> ReadRequestAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        // Kestrel's own body limit (30 MB) would cut in with an HTTP error; the gRPC message limit governs instead.
        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var encoding = httpContext.Request.Headers[GrpcProtocol.EncodingHeader].ToString();
        var reader = new MessageReader(httpContext.Request.BodyReader, _options.MaxReceiveMessageSize, encoding);
        var request = await reader.ReadAsync(Parser, cancellationToken)
            ?? throw new RpcException(StatusCode.Internal, "The request carried no message.");
        if (await reader.ReadAsync(Parser, cancellationToken) is not null)
        {
            throw new RpcException(StatusCode.Internal, $"{_method} takes one request message; the client sent more.");
        }

        return request;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with {StatusCode}: {Detail}")]
        public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "gRPC handler for {Method} threw; the client gets UNKNOWN")]
        public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled: {Reason}")]
        public static partial void CallCancelled(ILogger logger, string method, string reason);
    }
}
