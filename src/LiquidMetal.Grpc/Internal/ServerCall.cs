using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace LiquidMetal.Grpc.Internal;

/// <summary>One call on the server: its cancellation, and the response, written once in order (headers, messages, status).</summary>
internal sealed class ServerCall : IDisposable
{
    // Beyond what CancellationTokenSource can time (about 49 days) a deadline is as good as none.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private readonly HttpContext _httpContext;
    private readonly int? _maxSendMessageSize;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _cancellation;

    // Kept apart from its source, which is disposed when the request ends even if a late handler still holds the call.
    private readonly CancellationToken _token;
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _cancelledRegistration;

    // Serializes writes with completion: after a deadline the status may be written while the handler still runs.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _messageWritten;
    private bool _completed;

    public ServerCall(HttpContext httpContext, string method, TimeSpan? timeout, int? maxSendMessageSize)
    {
        _httpContext = httpContext;
        _maxSendMessageSize = maxSendMessageSize;
        DateTimeOffset? deadline = null;
        if (timeout is { } value)
        {
            deadline = DateTimeOffset.UtcNow + value;
            if (value < LongestTimer)
            {
                _deadline = new CancellationTokenSource(value);
            }
        }

        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted)
            : CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, _deadline.Token);
        _token = _cancellation.Token;
        _cancelledRegistration = _token.Register(() => _cancelled.TrySetResult());

        var connection = httpContext.Connection;
        Context = new ServerCallContext(
            method,
            ReadMetadata(httpContext.Request.Headers),
            deadline,
            _token,
            $"{connection.RemoteIpAddress}:{connection.RemotePort}",
            connection.ClientCertificate);
    }

    public ServerCallContext Context { get; }

    public CancellationToken CancellationToken => _token;

    /// <summary>Completes when the call is cancelled, by the client or by its deadline.</summary>
    public Task Cancelled => _cancelled.Task;

    public bool ClientAborted => _httpContext.RequestAborted.IsCancellationRequested;

    /// <summary>The status for a call cut short: DEADLINE_EXCEEDED if the deadline passed, else CANCELLED.</summary>
    public CallStatus CancellationStatus() =>
        !ClientAborted && _deadline?.IsCancellationRequested == true
            ? new CallStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded", null)
            : new CallStatus(StatusCode.Cancelled, "Call cancelled", null);

    public async Task WriteAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken);
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("The call has already completed; no more messages can be written.");
            }

            var response = _httpContext.Response;
            if (!_messageWritten)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = GrpcProtocol.ContentType;
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
                StatusResponse.AppendMetadata(response.Headers, Context.ResponseHeaders);
            }

            MessageFraming.Write(response.BodyWriter, message, _maxSendMessageSize);
            _messageWritten = true;
            if (flush)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
                await response.BodyWriter.FlushAsync(linked.Token);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task CompleteAsync(CallStatus status)
    {
        await _gate.WaitAsync();
        try
        {
            // A reset stream takes no more frames; there is nobody left to tell.
            if (_completed || ClientAborted)
            {
                return;
            }

            _completed = true;
            var response = _httpContext.Response;
            if (_messageWritten || response.HasStarted)
            {
                StatusResponse.AppendTrailers(response, status);
            }
            else
            {
                StatusResponse.WriteTrailersOnly(response, status, Context.ResponseHeaders);
            }

            await response.CompleteAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _cancelledRegistration.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    private static Metadata ReadMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsProtocolHeader(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                metadata.AddReceived(name.ToLowerInvariant(), value ?? string.Empty);
            }
        }

        return metadata;
    }
}
