using System.Runtime.CompilerServices;
using Google.Protobuf;
using LiquidMetal.Grpc.Internal;

namespace LiquidMetal.Grpc;

/// <summary>Calls gRPC methods on one server over HTTP/2: h2c for http:// addresses, TLS (optionally mutual) for https://.</summary>
/// <remarks>Thread-safe; calls share one connection. Failures surface as <see cref="RpcException"/>, cancellation by the
/// caller's token as <see cref="OperationCanceledException"/>.</remarks>
public sealed class GrpcClient : IDisposable
{
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly GrpcClientOptions _options;

    /// <summary>A client that owns its connection, built from <paramref name="options"/>.</summary>
    public GrpcClient(Uri address, GrpcClientOptions? options = null)
        : this(ClientHandlerFactory.CreateHttpClient(options ?? new GrpcClientOptions()), address, options, ownsHttpClient: true)
    {
    }

    /// <summary>A client over a caller-owned HttpClient (which must allow HTTP/2 and have an infinite Timeout).</summary>
    /// <remarks>Only the message size limits and bearer token of <paramref name="options"/> apply.</remarks>
    public GrpcClient(HttpClient httpClient, Uri address, GrpcClientOptions? options = null)
        : this(httpClient, address, options, ownsHttpClient: false)
    {
    }

    private GrpcClient(HttpClient httpClient, Uri address, GrpcClientOptions? options, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an http:// or https:// address.", nameof(address));
        }

        _httpClient = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _options = options ?? new GrpcClientOptions();
        Address = address;
    }

    /// <summary>The server's base address.</summary>
    public Uri Address { get; }

    /// <summary>Calls a unary method, e.g. <c>/liquidmetal.agent.v1.HostAgent/Apply</c>, and returns its one response.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var call = new ClientCall<TResponse>(_httpClient, MethodUri(method), _options, options, options.CancellationToken);
        await call.StartAsync(request);
        var response = await call.ReadNextAsync()
            ?? throw new RpcException(StatusCode.Internal, $"{method} returned OK without a response message.");
        if (await call.ReadNextAsync() is not null)
        {
            throw new RpcException(StatusCode.Internal, $"{method} returned more than one response message.");
        }

        return response;
    }

    /// <summary>Calls a server-streaming method; the call starts when enumeration starts and ends when it stops.</summary>
    /// <remarks>Leaving the loop early resets the stream, which the server sees as cancellation.</remarks>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        string method,
        TRequest request,
        CallOptions options = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        using var linked = cancellationToken.CanBeCanceled && options.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, options.CancellationToken)
            : null;
        var callerToken = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : options.CancellationToken);
        await using var call = new ClientCall<TResponse>(_httpClient, MethodUri(method), _options, options, callerToken);
        await call.StartAsync(request);
        while (await call.ReadNextAsync() is { } message)
        {
            yield return message;
        }
    }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private Uri MethodUri(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method[0] != '/')
        {
            throw new ArgumentException($"'{method}' is not a full gRPC method name such as /package.Service/Method.", nameof(method));
        }

        return new Uri(Address, method);
    }
}
