using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace LiquidMetal.Grpc.Tests;

/// <summary>Our server's wire behaviour, checked with a plain HTTP/2 HttpClient rather than our own client.</summary>
public sealed class RawProtocolTests : IAsyncLifetime
{
    private const string Stubborn = "/liquidmetal.test.v1.Echo/Stubborn";

    private readonly HttpClient _http = new();

    private EchoServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await EchoServer.StartAsync(mapMore: endpoints =>
            endpoints.MapGrpcUnary<EchoRequest, EchoReply>(Stubborn, async (_, _) =>
            {
                // Ignores its token on purpose: the status must still go out at the deadline.
                await Task.Delay(3000);
                return new EchoReply();
            }));

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Post_MappedMethod_HeadersMessageAndOkTrailers()
    {
        var (response, body) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest { Text = "raw" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("raw", EchoReply.Parser.ParseFrom(body.AsSpan(5)).Text);
        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
        Assert.Null(Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Post_UnknownMethod_TrailersOnlyUnimplementedNot404()
    {
        var (response, body) = await SendAsync("/liquidmetal.test.v1.Nope/Nothing", Frame(new EchoRequest()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", Header(response.Headers, "grpc-status"));
        Assert.Empty(body);
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task Post_UnknownPathWithoutGrpcContentType_Http404()
    {
        var (response, _) = await SendAsync("/some/page", [], contentType: "text/plain");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Post_MappedMethodWithoutGrpcContentType_Http415()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, [], contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Post_GrpcProtoContentType_Accepted()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest()), contentType: "application/grpc+proto");

        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
    }

    [Fact]
    public async Task Post_MethodNameInOtherCase_Unimplemented()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary.ToLowerInvariant(), Frame(new EchoRequest()));

        Assert.Equal("12", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Post_GzipCompressedMessage_Decompressed()
    {
        var (response, body) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest { Text = "zipped" }, gzip: true), encoding: "gzip");

        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
        Assert.Equal("zipped", EchoReply.Parser.ParseFrom(body.AsSpan(5)).Text);
    }

    [Fact]
    public async Task Post_CompressedFlagWithoutEncoding_Internal()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest { Text = "zipped" }, gzip: true));

        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Post_UnsupportedEncoding_UnimplementedWithAcceptedEncodings()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest()), encoding: "snappy");

        Assert.Equal("12", Header(response.Headers, "grpc-status"));
        Assert.Contains("gzip", Header(response.Headers, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task Post_MalformedTimeout_Internal()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, Frame(new EchoRequest()), timeout: "1000000000S");

        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Post_TwoMessagesToUnary_Internal()
    {
        var (response, _) = await SendAsync(EchoMethods.Unary, [.. Frame(new EchoRequest()), .. Frame(new EchoRequest())]);

        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task Post_NonAsciiStatusMessage_PercentEncodedOnTheWire()
    {
        var request = new EchoRequest { StatusCode = 5, StatusMessage = "réseau indisponible — 網絡 100%" };

        var (response, _) = await SendAsync(EchoMethods.Unary, Frame(request));

        Assert.Equal("5", Header(response.Headers, "grpc-status"));
        Assert.Equal("r%C3%A9seau indisponible %E2%80%94 %E7%B6%B2%E7%B5%A1 100%25", Header(response.Headers, "grpc-message"));
    }

    [Fact]
    public async Task Post_HandlerIgnoresDeadline_DeadlineExceededSentAtDeadline()
    {
        var watch = Stopwatch.StartNew();

        var (response, _) = await SendAsync(Stubborn, Frame(new EchoRequest()), timeout: "200m");

        Assert.Equal("4", Header(response.Headers, "grpc-status"));
        Assert.InRange(watch.ElapsedMilliseconds, 150, 2000);
    }

    private static byte[] Frame(IMessage message, bool gzip = false)
    {
        var payload = message.ToByteArray();
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest))
            {
                zip.Write(payload);
            }

            payload = compressed.ToArray();
        }

        var frame = new byte[5 + payload.Length];
        frame[0] = gzip ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(
        string path, byte[] body, string contentType = "application/grpc", string? encoding = null, string? timeout = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("content-type", contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.H2cAddress, path))
        {
            // HttpClient.DefaultRequestVersion does not apply to a request built by hand: it would go out as HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        var response = await _http.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }
}
