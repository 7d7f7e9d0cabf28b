using System.Diagnostics;
using Google.Protobuf;
using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;

namespace LiquidMetal.Grpc.Tests;

/// <summary>Our client against our server on real Kestrel (loopback, port 0), over h2c.</summary>
public sealed class TransportTests : IAsyncLifetime
{
    private const string NonAscii = "réseau indisponible — 網絡";
    private const int Limit = 1024 * 1024;

    private EchoServer _server = null!;
    private GrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EchoServer.StartAsync();
        _client = new GrpcClient(_server.H2cAddress, new GrpcClientOptions { MaxReceiveMessageSize = Limit });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UnaryAsync_Echo_ReturnsReply()
    {
        var reply = await _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "hello" });

        Assert.Equal("hello", reply.Text);
        Assert.StartsWith("127.0.0.1:", reply.Peer);
    }

    [Fact]
    public async Task ServerStreamingAsync_1000Messages_AllArriveInOrder()
    {
        var indexes = new List<int>();

        await foreach (var reply in _client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Text = "s", Count = 1000 }))
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 1000), indexes);
    }

    [Fact]
    public async Task ServerStreamingAsync_ZeroMessages_EndsCleanly()
    {
        var count = 0;
        await foreach (var _ in _client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Count = 0 }))
        {
            count++;
        }

        Assert.Equal(0, count);
    }

    [Fact]
    public async Task UnaryAsync_RpcExceptionWithNonAsciiMessage_ClientGetsCodeDetailAndTrailers()
    {
        var request = new EchoRequest { StatusCode = (int)StatusCode.NotFound, StatusMessage = NonAscii };

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(NonAscii, error.Detail);
        Assert.Equal("from-liquidmetal", error.Trailers.GetValue("x-error-detail"));
    }

    [Fact]
    public async Task ServerStreamingAsync_ErrorAfterMessages_MessagesThenStatus()
    {
        var request = new EchoRequest { Count = 3, StatusCode = (int)StatusCode.Aborted, StatusMessage = NonAscii };
        var received = 0;

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in _client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, request))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal(NonAscii, error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_HandlerThrows_UnknownWithoutInternals()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "throw" }));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.DoesNotContain("secret", error.Detail);
        Assert.DoesNotContain("InvalidOperationException", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_DeadlineShorterThanHandler_DeadlineExceededAndHandlerCancelled()
    {
        // Warm the connection and the server's handler path first: on a cold, loaded machine a short
        // deadline can otherwise pass before the handler ever starts, and then there is nothing to cancel.
        await _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "warm-up" });
        var watch = Stopwatch.StartNew();

        // A deadline generous enough that the call reaches the handler even on a loaded CI machine (with six test
        // assemblies and QEMU guests sharing two cores, half a second was not always enough).
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>(
            EchoMethods.Unary, new EchoRequest { Text = "slow", DelayMs = 20_000 }, new CallOptions { Deadline = DateTimeOffset.UtcNow.AddMilliseconds(2000) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(watch.ElapsedMilliseconds, 1900, 6000);
        await _server.Service.WaitForAsync(e => e.Text == "slow" && e.Kind.StartsWith("cancelled"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task UnaryAsync_DeadlineAlreadyPassed_FailsWithoutCallingServer()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>(
            EchoMethods.Unary, new EchoRequest { Text = "late" }, new CallOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task ServerStreamingAsync_LoopLeftMidStream_HandlerSeesClientCancel()
    {
        var received = 0;
        await foreach (var _ in _client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Text = "leave", Count = 1_000_000, DelayMs = 2 }))
        {
            if (++received == 5)
            {
                break;
            }
        }

        var seen = await _server.Service.WaitForAsync(e => e.Text == "leave", TimeSpan.FromSeconds(5));
        Assert.Equal("cancelled:client", seen.Kind);
    }

    [Fact]
    public async Task ServerStreamingAsync_CallerCancels_ThrowsOperationCanceledAndHandlerSeesIt()
    {
        using var cancellation = new CancellationTokenSource();
        var request = new EchoRequest { Text = "token", Count = 1_000_000, DelayMs = 2 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var reply in _client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, request).WithCancellation(cancellation.Token))
            {
                if (reply.Index == 3)
                {
                    cancellation.Cancel();
                }
            }
        });

        await _server.Service.WaitForAsync(e => e.Text == "token", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UnaryAsync_UnknownMethod_Unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Missing, new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_100ConcurrentCalls_AllSucceedOnOneConnection()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = $"c{i}", DelayMs = 100 })));

        Assert.Equal(100, replies.Length);
        Assert.Single(replies.Select(r => r.Peer).Distinct());
    }

    [Fact]
    public async Task UnaryAsync_MessagesNearTheLimit_Succeed()
    {
        var near = Limit - 1024;

        var reply = await _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[near]), ReplySize = near });

        Assert.Equal(near, reply.RequestPayloadSize);
        Assert.Equal(near, reply.Payload.Length);
    }

    [Fact]
    public async Task UnaryAsync_RequestOverServerLimit_ResourceExhausted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[Limit + 1]) };

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("larger than max", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_ReplyOverClientLimit_ResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { ReplySize = Limit + 1 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_RequestOverClientSendLimit_ResourceExhaustedBeforeSending()
    {
        using var client = new GrpcClient(_server.H2cAddress, new GrpcClientOptions { MaxSendMessageSize = 100 });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "unsent", Payload = ByteString.CopyFrom(new byte[200]) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_Metadata_ReachesHandler()
    {
        var headers = new Metadata().Add("x-trace-id", "trace-1").Add("X-Tenant", "blue");

        var reply = await _client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest(), new CallOptions { Headers = headers });

        Assert.Equal("trace-1", reply.Metadata["x-trace-id"]);
        Assert.Equal("blue", reply.Metadata["x-tenant"]);
        Assert.False(reply.Metadata.ContainsKey("grpc-timeout"));
        Assert.False(reply.Metadata.ContainsKey("content-type"));
    }

    [Fact]
    public async Task UnaryAsync_ServerNotListening_Unavailable()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new GrpcClient(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
