using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;

namespace LiquidMetal.Grpc.Tests;

/// <summary>Mutual TLS and the bearer-token hook, our client against our server.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private const string Token = "t0ken";

    private readonly TestPki _pki = TestPki.Create();
    private EchoServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await EchoServer.StartAsync(_pki, options => options.OnCallStarting = GrpcAuthorization.RequireBearerToken(Token));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task UnaryAsync_MutualTlsAndToken_Succeeds()
    {
        using var client = new GrpcClient(_server.TlsAddress!, new GrpcClientOptions
        {
            CertificateAuthority = _pki.Ca,
            ClientCertificate = _pki.Client,
            BearerToken = Token,
        });

        var reply = await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest { Text = "tls" });

        Assert.Equal("tls", reply.Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task UnaryAsync_MissingOrWrongToken_Unauthenticated(string? token)
    {
        using var client = new GrpcClient(_server.H2cAddress, new GrpcClientOptions { BearerToken = token });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ServerStreamingAsync_WithoutToken_UnauthenticatedBeforeAnyMessage()
    {
        using var client = new GrpcClient(_server.H2cAddress);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in client.ServerStreamingAsync<EchoRequest, EchoReply>(EchoMethods.Stream, new EchoRequest { Count = 3 }))
            {
                Assert.Fail("no message may arrive before the check");
            }
        });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_NoClientCertificate_Unavailable()
    {
        using var client = new GrpcClient(_server.TlsAddress!, new GrpcClientOptions { CertificateAuthority = _pki.Ca, BearerToken = Token });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_ServerFromAnotherCa_Unavailable()
    {
        using var other = TestPki.Create("Other");
        using var client = new GrpcClient(_server.TlsAddress!, new GrpcClientOptions
        {
            CertificateAuthority = other.Ca,
            ClientCertificate = _pki.Client,
            BearerToken = Token,
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_CustomValidationCallback_DecidesAlone()
    {
        var calls = 0;
        using var client = new GrpcClient(_server.TlsAddress!, new GrpcClientOptions
        {
            ServerCertificateValidation = (certificate, _, _) =>
            {
                Interlocked.Increment(ref calls);
                return certificate.Thumbprint == _pki.Server.Thumbprint;
            },
            ClientCertificate = _pki.Client,
            BearerToken = Token,
        });

        await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, new EchoRequest());

        Assert.Equal(1, calls);
    }

    [Fact]
    public void IsIssuedBy_CertificateFromAnotherCa_False()
    {
        using var other = TestPki.Create("Other");

        Assert.True(CertificateChain.IsIssuedBy(_pki.Client, _pki.Ca));
        Assert.False(CertificateChain.IsIssuedBy(other.Client, _pki.Ca));
    }
}
