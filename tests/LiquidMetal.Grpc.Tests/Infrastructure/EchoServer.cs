using System.Net;
using LiquidMetal.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Real Kestrel on 127.0.0.1 port 0 serving <see cref="EchoService"/>: h2c always, mutual TLS when given a PKI.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoServer(WebApplication app, EchoService service, Uri h2c, Uri? tls)
    {
        _app = app;
        Service = service;
        H2cAddress = h2c;
        TlsAddress = tls;
    }

    public EchoService Service { get; }

    public Uri H2cAddress { get; }

    public Uri? TlsAddress { get; }

    public static async Task<EchoServer> StartAsync(
        TestPki? pki = null,
        Action<GrpcServerOptions>? configure = null,
        Action<IEndpointRouteBuilder>? mapMore = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // h2c has no ALPN to negotiate with, so the endpoint must speak HTTP/2 only (prior knowledge).
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            if (pki is not null)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = pki.Server,
                        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                        ClientCertificateValidation = (certificate, chain, _) => CertificateChain.IsIssuedBy(certificate, pki.Ca, chain),
                    });
                });
            }
        });
        builder.Services.Configure<GrpcServerOptions>(options =>
        {
            options.MaxReceiveMessageSize = 1024 * 1024;
            configure?.Invoke(options);
        });

        var app = builder.Build();
        var service = new EchoService();
        app.MapGrpcUnary<EchoRequest, EchoReply>(EchoMethods.Unary, service.UnaryAsync);
        app.MapGrpcServerStreaming<EchoRequest, EchoReply>(EchoMethods.Stream, service.StreamAsync);
        mapMore?.Invoke(app);
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var h2c = new Uri(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)));
        var tls = addresses.SingleOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal));
        return new EchoServer(app, service, h2c, tls is null ? null : new Uri(tls));
    }

    /// <summary>host:port of an address, as grpc-js wants its target.</summary>
    public static string Target(Uri address) => $"{address.Host}:{address.Port}";

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
