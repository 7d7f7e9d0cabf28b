using LiquidMetal.Grpc.Tests.Infrastructure;

namespace LiquidMetal.Grpc.Tests;

/// <summary>The grpc-js client (interop/client.js) against our server on Kestrel, over h2c and mutual TLS.</summary>
public sealed class GrpcJsClientTests(GrpcJsClientFixture fixture) : IClassFixture<GrpcJsClientFixture>
{
    private const string NonAscii = "réseau indisponible — 網絡";

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_Echo_GrpcJsGetsReply(string transport)
    {
        var result = fixture.Result(transport, "unary");

        Assert.Equal(0, result.Number("code"));
        Assert.Equal("hello", result.Text("text"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void ServerStreaming_1000Messages_GrpcJsGetsAllInOrder(string transport)
    {
        var result = fixture.Result(transport, "stream");

        Assert.Equal(0, result.Number("code"));
        Assert.Equal(1000, result.Number("count"));
        Assert.True(result.Flag("inOrder"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_RpcExceptionWithNonAsciiMessage_GrpcJsGetsStatusDetailAndTrailer(string transport)
    {
        var result = fixture.Result(transport, "error");

        Assert.Equal((int)StatusCode.Unavailable, result.Number("code"));
        Assert.Equal(NonAscii, result.Text("details"));
        Assert.Equal("from-liquidmetal", result.Text("trailer"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void ServerStreaming_ErrorAfterMessages_GrpcJsGetsMessagesThenStatus(string transport)
    {
        var result = fixture.Result(transport, "streamError");

        Assert.Equal(3, result.Number("count"));
        Assert.Equal((int)StatusCode.FailedPrecondition, result.Number("code"));
        Assert.Equal(NonAscii, result.Text("details"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task Unary_GrpcJsDeadline_DeadlineExceededAndHandlerCancelled(string transport)
    {
        var result = fixture.Result(transport, "deadline");

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Number("code"));
        Assert.InRange(result.Number("elapsedMs") ?? -1, 150, 2000);
        await fixture.Server.Service.WaitForAsync(e => e.Method == "Unary" && e.Text == "deadline-js" && e.Kind.StartsWith("cancelled"), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStreaming_GrpcJsCancelsMidStream_HandlerSeesCancellation(string transport)
    {
        var result = fixture.Result(transport, "cancel");

        Assert.Equal((int)StatusCode.Cancelled, result.Number("code"));
        Assert.Equal(5, result.Number("count"));
        var seen = await fixture.Server.Service.WaitForAsync(e => e.Method == "Stream" && e.Text == "cancel-js", TimeSpan.FromSeconds(5));
        Assert.Equal("cancelled:client", seen.Kind);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void UnknownMethodOrService_GrpcJsGetsUnimplemented(string transport)
    {
        var result = fixture.Result(transport, "unimplemented");

        Assert.Equal((int)StatusCode.Unimplemented, result.Number("missingMethod"));
        Assert.Equal((int)StatusCode.Unimplemented, result.Number("missingService"));
        Assert.Contains("/liquidmetal.test.v1.Nope/Nothing", result.Text("details"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_100ConcurrentCalls_AllSucceedOnOneConnection(string transport)
    {
        var result = fixture.Result(transport, "concurrent");

        Assert.Equal(100, result.Number("ok"));
        Assert.Equal(1, result.Number("peers"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_MessagesNearTheLimit_Succeed(string transport)
    {
        var result = fixture.Result(transport, "sizeNear");

        Assert.Equal(0, result.Number("code"));
        Assert.Equal(GrpcJsClientFixture.MaxMessageSize - 1024, result.Number("requestPayloadSize"));
        Assert.Equal(GrpcJsClientFixture.MaxMessageSize - 1024, result.Number("replyPayloadSize"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_RequestOverOurLimit_GrpcJsGetsResourceExhausted(string transport)
    {
        var result = fixture.Result(transport, "sizeOverRequest");

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Number("code"));
        Assert.Contains("larger than max", result.Text("details"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_ReplyOverGrpcJsLimit_GrpcJsGetsResourceExhausted(string transport)
    {
        var result = fixture.Result(transport, "sizeOverReply");

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Number("code"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_Metadata_RoundTripsThroughHeadersAndTrailers(string transport)
    {
        var result = fixture.Result(transport, "metadata");

        Assert.Equal(0, result.Number("code"));
        Assert.Equal("trace-123", result.Text("seenByServer"));
        Assert.Equal("trace-123", result.Text("header"));
        Assert.Equal("trace-123", result.Text("trailer"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Unary_WithoutBearerToken_GrpcJsGetsUnauthenticated(string transport)
    {
        var result = fixture.Result(transport, "unauthenticated");

        Assert.Equal((int)StatusCode.Unauthenticated, result.Number("code"));
    }
}
