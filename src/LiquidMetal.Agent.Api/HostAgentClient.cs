using LiquidMetal.Agent.Api.V1;
using LiquidMetal.Grpc;

namespace LiquidMetal.Agent.Api;

/// <summary>A typed client for one host agent, over the minimal gRPC transport.</summary>
public sealed class HostAgentClient : IDisposable
{
    private readonly GrpcClient _client;

    public HostAgentClient(Uri endpoint, GrpcClientOptions? options = null) => _client = new GrpcClient(endpoint, options);

    public HostAgentClient(GrpcClient client) => _client = client;

    public Uri Endpoint => _client.Address;

    public Task<ApplyResponse> ApplyAsync(HostSpec spec, CallOptions options = default) =>
        _client.UnaryAsync<ApplyRequest, ApplyResponse>(HostAgentMethods.Apply, new ApplyRequest { Spec = spec }, options);

    public Task<HostStatus> GetStatusAsync(CallOptions options = default) =>
        _client.UnaryAsync<GetStatusRequest, HostStatus>(HostAgentMethods.GetStatus, new GetStatusRequest(), options);

    /// <summary>The current status, then one message per change, until cancelled or the connection drops.</summary>
    public IAsyncEnumerable<HostStatus> WatchAsync(CancellationToken cancellationToken = default) =>
        _client.ServerStreamingAsync<WatchRequest, HostStatus>(HostAgentMethods.Watch, new WatchRequest(), default, cancellationToken);

    public void Dispose() => _client.Dispose();
}
