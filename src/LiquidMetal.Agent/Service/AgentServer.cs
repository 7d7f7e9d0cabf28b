using System.Net;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Agent.Api;
using LiquidMetal.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Service;

/// <summary>How the agent listens and whom it lets in.</summary>
public sealed record AgentServerOptions
{
    /// <summary>Address and port, e.g. 0.0.0.0:7443 or 127.0.0.1:0 (any free port).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>PEM certificate and key for TLS; plaintext HTTP/2 (h2c) when null.</summary>
    public string? CertificateFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>When set, clients must present a certificate issued by this CA (mutual TLS).</summary>
    public string? ClientCaFile { get; init; }

    /// <summary>When set, every call must carry <c>authorization: Bearer &lt;token&gt;</c> with this token.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Plaintext on a non-loopback address is refused unless this is set.</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>Largest request accepted; larger ones are refused with ResourceExhausted.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Concurrent calls per HTTP/2 connection (Kestrel's default of 100 is too few for a busy reconciler plus watchers).</summary>
    public int MaxStreamsPerConnection { get; init; } = 1000;
}

/// <summary>The host agent's gRPC endpoint on Kestrel: HTTP/2 only, TLS or (on loopback, or with --insecure) h2c.</summary>
public sealed class AgentServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients reach the agent (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    public static async Task<AgentServer> StartAsync(HostAgentCore core, string hostName, AgentServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        var secure = options.CertificateFile is not null;
        if (!secure && !IPAddress.IsLoopback(options.Listen.Address) && !options.AllowInsecure)
        {
            throw new InvalidOperationException(
                $"refusing plaintext on {options.Listen}: give --tls-cert and --tls-key, listen on a loopback address, or pass --insecure if the network is trusted");
        }

        if (secure != (options.KeyFile is not null))
        {
            throw new InvalidOperationException("--tls-cert and --tls-key go together");
        }

        if (options.ClientCaFile is not null && !secure)
        {
            throw new InvalidOperationException("--client-ca needs TLS (--tls-cert and --tls-key)");
        }

        var certificate = secure ? X509Certificate2.CreateFromPemFile(options.CertificateFile!, options.KeyFile) : null;
        var clientCa = options.ClientCaFile is null ? null : X509CertificateLoader.LoadCertificateFromFile(options.ClientCaFile);

        // An empty builder: no appsettings files (and no file watchers: one per agent would exhaust inotify when
        // many agents share a process, as in the reconcile benchmark), no default logging; only what is used.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();

        // The agent owns its lifetime (SIGTERM stops serving, then the core): no console lifetime racing it for the signal.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, OwnedLifetime>();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            kestrel.Listen(options.Listen, listen =>
            {
                // HTTP/2 only: h2c has no ALPN, so clients speak HTTP/2 with prior knowledge.
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = clientCa is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
                        ClientCertificateValidation = clientCa is null ? null : (presented, chain, _) => CertificateChain.IsIssuedBy(presented, clientCa, chain),
                    });
                }
            });
        });
        builder.Services.Configure<GrpcServerOptions>(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
            if (options.BearerToken is { } token)
            {
                grpc.OnCallStarting = GrpcAuthorization.RequireBearerToken(token);
            }
        });

        var app = builder.Build();
        var service = new HostAgentService(core, hostName);
        app.MapGrpcUnary<Wire.ApplyRequest, Wire.ApplyResponse>(HostAgentMethods.Apply, service.ApplyAsync);
        app.MapGrpcUnary<Wire.GetStatusRequest, Wire.HostStatus>(HostAgentMethods.GetStatus, service.GetStatusAsync);
        app.MapGrpcServerStreaming<Wire.WatchRequest, Wire.HostStatus>(HostAgentMethods.Watch, service.WatchAsync);
        await app.StartAsync();

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new AgentServer(app, new Uri(bound));
    }

    /// <summary>A host lifetime that leaves starting and stopping to the caller.</summary>
    private sealed class OwnedLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
