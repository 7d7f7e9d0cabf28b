using System.Diagnostics;
using Google.Protobuf;
using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;

namespace LiquidMetal.Grpc.Tests;

/// <summary>Our client against the grpc-js server (interop/server.js), over h2c and mutual TLS.</summary>
public sealed class GrpcJsServerTests(GrpcJsServerFixture fixture) : IClassFixture<GrpcJsServerFixture>
{
    private const string NonAscii = "réseau indisponible — 網絡";
    private const int Limit = GrpcJsServerFixture.MaxMessageSize;

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_Echo_ReturnsReply(string transport)
    {
        using var client = fixture.Client(transport);

        var reply = await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "hello" });

        Assert.Equal("hello", reply.Text);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStreamingAsync_1000Messages_AllArriveInOrder(string transport)
    {
        using var client = fixture.Client(transport);
        var indexes = new List<int>();

        await foreach (var reply in client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Text = "many", Count = 1000 }))
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 1000), indexes);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_ErrorWithNonAsciiMessage_ThrowsWithDecodedDetailAndTrailers(string transport)
    {
        using var client = fixture.Client(transport);
        var request = new EchoRequest { Text = "error", StatusCode = (int)StatusCode.Unavailable, StatusMessage = NonAscii };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(NonAscii, error.Detail);
        Assert.Equal("from-grpc-js", error.Trailers.GetValue("x-error-detail"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStreamingAsync_ErrorAfterMessages_MessagesThenStatus(string transport)
    {
        using var client = fixture.Client(transport);
        var request = new EchoRequest { Text = "stream-error", Count = 3, StatusCode = (int)StatusCode.FailedPrecondition, StatusMessage = NonAscii };
        var received = 0;

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, request))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(NonAscii, error.Detail);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_DeadlineShorterThanHandler_DeadlineExceededAndServerSeesCancel(string transport)
    {
        using var client = fixture.Client(transport);
        var text = $"deadline-{transport}-{Guid.NewGuid():N}";

        // Connect (TLS handshake included) before the short deadline starts: on a loaded machine the handshake
        // alone can outlast it, and then the server never sees a call to cancel.
        await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "warm-up" });
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(
            EchoMethods.Unary, new EchoRequest { Text = text, DelayMs = 20_000 }, new CallOptions { Timeout = TimeSpan.FromMilliseconds(2000) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(watch.ElapsedMilliseconds, 1900, 6000);
        await fixture.Server(transport).WaitForAsync(l => l.Text("event") == "cancelled" && l.Text("text") == text, TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStreamingAsync_LoopLeftMidStream_ServerSeesCancel(string transport)
    {
        using var client = fixture.Client(transport);
        var text = $"cancel-{transport}-{Guid.NewGuid():N}";
        var received = 0;

        await foreach (var _ in client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Text = text, Count = 1_000_000, DelayMs = 2 }))
        {
            if (++received == 5)
            {
                break;
            }
        }

        var seen = await fixture.Server(transport).WaitForAsync(l => l.Text("event") == "cancelled" && l.Text("text") == text, TimeSpan.FromSeconds(5));
        Assert.Equal("Stream", seen.Text("method"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStreamingAsync_CallerCancels_ThrowsOperationCanceled(string transport)
    {
        using var client = fixture.Client(transport);
        using var cancellation = new CancellationTokenSource();
        var request = new EchoRequest { Text = $"token-{transport}", Count = 1_000_000, DelayMs = 2 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var reply in client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, request, new CallOptions { CancellationToken = cancellation.Token }))
            {
                if (reply.Index == 3)
                {
                    cancellation.Cancel();
                }
            }
        });
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_UnknownMethod_ThrowsUnimplemented(string transport)
    {
        using var client = fixture.Client(transport);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Missing, new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_100ConcurrentCalls_AllSucceedOnOneConnection(string transport)
    {
        using var client = fixture.Client(transport);

        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = $"c{i}", DelayMs = 100 })));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"c{i}"), replies.Select(r => r.Text));
        Assert.Single(replies.Select(r => r.Peer).Distinct());
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_MessagesNearTheLimit_Succeed(string transport)
    {
        using var client = fixture.Client(transport);
        var near = Limit - 1024;

        var reply = await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest
        {
            Text = "near",
            Payload = ByteString.CopyFrom(new byte[near]),
            ReplySize = near,
        });

        Assert.Equal(near, reply.RequestPayloadSize);
        Assert.Equal(near, reply.Payload.Length);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_RequestOverServerLimit_ResourceExhausted(string transport)
    {
        using var client = fixture.Client(transport);
        var request = new EchoRequest { Text = "over", Payload = ByteString.CopyFrom(new byte[Limit + 1]) };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_ReplyOverClientLimit_ResourceExhausted(string transport)
    {
        using var client = fixture.Client(transport);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "big", ReplySize = Limit + 1 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("larger than max", error.Detail);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task UnaryAsync_MetadataAndBearerToken_ReachTheServer(string transport)
    {
        using var client = fixture.Client(transport, options => options.BearerToken = "s3cret");
        var headers = new Metadata().Add("x-trace-id", "trace-123");

        var reply = await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "md" }, new CallOptions { Headers = headers });

        Assert.Equal("trace-123", reply.Metadata["x-trace-id"]);
        Assert.Equal("Bearer s3cret", reply.Metadata["authorization"]);
        Assert.StartsWith("grpc-dotnet-liquidmetal/", reply.Metadata["user-agent"]);
    }
}
