using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace LiquidMetal.Grpc.Internal;

/// <summary>One call from the client: sends the request, reads response messages, and turns the outcome into a status.</summary>
internal sealed class ClientCall<TResponse> : IAsyncDisposable
    where TResponse : class, IMessage<TResponse>, new()
{
    private static readonly MessageParser<TResponse> Parser = new(() => new TResponse());

    private readonly HttpClient _httpClient;
    private readonly Uri _uri;
    private readonly GrpcClientOptions _options;
    private readonly CallOptions _callOptions;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _cancellation;
    private readonly TimeSpan? _timeout;
    private HttpRequestMessage? _request;
    private HttpResponseMessage? _response;
    private PipeReader? _body;
    private MessageReader? _reader;
    private bool _finished;

    public ClientCall(HttpClient httpClient, Uri uri, GrpcClientOptions options, CallOptions callOptions, CancellationToken callerToken)
    {
        _httpClient = httpClient;
        _uri = uri;
        _options = options;
        _callOptions = callOptions;
        _callerToken = callerToken;
        _timeout = Timeout(callOptions);
        if (_timeout is { } timeout && timeout > TimeSpan.Zero)
        {
            _deadline = new CancellationTokenSource(timeout);
        }

        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(callerToken)
            : CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token);
    }

    public async Task StartAsync(IMessage request)
    {
        if (_timeout <= TimeSpan.Zero)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded before the call started");
        }

        _request = CreateRequest(request);
        try
        {
            _response = await _httpClient.SendAsync(_request, HttpCompletionOption.ResponseHeadersRead, _cancellation.Token);
            if (_response.StatusCode != HttpStatusCode.OK)
            {
                throw new RpcException(
                    ClientStatus.FromHttpStatus(_response.StatusCode),
                    $"Bad gRPC response: HTTP status {(int)_response.StatusCode} ({_response.StatusCode})");
            }

            // Trailers-only: an immediate error (grpc-js always sends errors this way) puts the status in the headers.
            if (ClientStatus.TryRead(_response.Headers, out var headerStatus))
            {
                _finished = true;
                ThrowIfError(headerStatus, _response.Headers);
                return;
            }

            var contentType = _response.Content.Headers.ContentType?.MediaType;
            if (!GrpcProtocol.IsGrpcContentType(contentType))
            {
                throw new RpcException(StatusCode.Unknown, $"Bad gRPC response: content-type '{contentType}'");
            }

            var encoding = ClientStatus.Single(_response.Headers, GrpcProtocol.EncodingHeader);
            var stream = await _response.Content.ReadAsStreamAsync(_cancellation.Token);
            _body = PipeReader.Create(stream);
            _reader = new MessageReader(_body, _options.MaxReceiveMessageSize, encoding);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception);
        }
    }

    /// <summary>The next response message, or null after the last one once the status is known to be OK.</summary>
    public async ValueTask<TResponse?> ReadNextAsync()
    {
        if (_finished || _reader is null || _response is null)
        {
            return null;
        }

        try
        {
            var message = await _reader.ReadAsync(Parser, _cancellation.Token);
            if (message is not null)
            {
                return message;
            }

            // Trailers are only readable once the body has been read to its end.
            _finished = true;
            if (!ClientStatus.TryRead(_response.TrailingHeaders, out var status))
            {
                throw new RpcException(StatusCode.Internal, "The response ended without a grpc-status.");
            }

            ThrowIfError(status, _response.TrailingHeaders);
            return null;
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Translate(exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Disposing a response whose body is not finished resets the stream (RST_STREAM CANCEL): the server sees the cancel.
        if (_body is not null)
        {
            await _body.CompleteAsync();
        }

        _response?.Dispose();
        _request?.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    private static TimeSpan? Timeout(CallOptions callOptions)
    {
        TimeSpan? timeout = callOptions.Timeout;
        if (callOptions.Deadline is { } deadline)
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
            timeout = timeout is null || remaining < timeout ? remaining : timeout;
        }

        return timeout;
    }

    private static void ThrowIfError(CallStatus status, HttpHeaders headers)
    {
        if (status.Code != StatusCode.OK)
        {
            throw new RpcException(status.Code, status.Detail, ClientStatus.ReadMetadata(headers));
        }
    }

    private HttpRequestMessage CreateRequest(IMessage message)
    {
        var content = new ByteArrayContent(MessageFraming.ToArray(message, _options.MaxSendMessageSize));
        content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("user-agent", GrpcProtocol.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.AcceptedEncodings);
        if (_timeout is { } timeout)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
        }

        var metadata = _callOptions.Headers;
        if (_options.BearerToken is { } token && metadata?.GetValue("authorization") is null)
        {
            headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        }

        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                headers.TryAddWithoutValidation(key, value);
            }
        }

        return request;
    }

    private Exception Translate(Exception exception)
    {
        if (_callerToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The gRPC call was cancelled by the caller.", exception, _callerToken);
        }

        if (_deadline?.IsCancellationRequested == true)
        {
            return new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return new RpcException(ClientStatus.FromHttp2Error(protocol.ErrorCode), $"The stream was reset: {protocol.Message}");
            }
        }

        return exception switch
        {
            OperationCanceledException => new RpcException(StatusCode.Cancelled, "The call was cancelled."),
            HttpRequestException or IOException => new RpcException(StatusCode.Unavailable, Describe(exception)),
            _ => exception,
        };
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
}
