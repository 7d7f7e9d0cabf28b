using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiquidMetal.Grpc.Tests;

/// <summary>Our client against hand-written responses that our server never sends: gzip, broken deployments, proxies.</summary>
public sealed class ClientProtocolTests : IAsyncLifetime
{
    private EchoServer _server = null!;
    private GrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EchoServer.StartAsync(mapMore: endpoints =>
        {
            endpoints.MapPost("/test.Raw/Gzip", async context =>
            {
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-encoding"] = "gzip";
                await context.Response.Body.WriteAsync(GzipFrame(new EchoReply { Text = "unzipped" }));
                context.Response.AppendTrailer("grpc-status", "0");
            });
            endpoints.MapPost("/test.Raw/Http503", context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            });
            endpoints.MapPost("/test.Raw/Html", context =>
            {
                context.Response.ContentType = "text/html";
                return context.Response.WriteAsync("<html>proxy error page</html>");
            });
            endpoints.MapPost("/test.Raw/NoStatus", async context =>
            {
                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
            });
        });
        _client = new GrpcClient(_server.H2cAddress);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UnaryAsync_GzipResponse_Decompressed()
    {
        var reply = await _client.UnaryAsync<EchoRequest, EchoReply>("/test.Raw/Gzip", new EchoRequest());

        Assert.Equal("unzipped", reply.Text);
    }

    [Fact]
    public async Task UnaryAsync_Http503_Unavailable()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>("/test.Raw/Http503", new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("503", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_NonGrpcContentType_Unknown()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>("/test.Raw/Html", new EchoRequest()));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("text/html", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_ResponseWithoutStatus_Internal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync<EchoRequest, EchoReply>("/test.Raw/NoStatus", new EchoRequest()));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    private static byte[] GzipFrame(IMessage message)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            zip.Write(message.ToByteArray());
        }

        var payload = compressed.ToArray();
        var frame = new byte[5 + payload.Length];
        frame[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
