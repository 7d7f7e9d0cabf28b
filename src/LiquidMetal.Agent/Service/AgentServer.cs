using System.Net;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Agent.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Service;

/// <summary>
/// The host agent's gRPC endpoint: <c>liquidmetal.agent.v1.HostAgent</c>, the standard <c>grpc.health.v1.Health</c>
/// (SERVING while the agent's state is loaded) and server reflection, on Kestrel. HTTP/2 only; TLS, or plaintext
/// (h2c) on loopback or with --insecure.
/// </summary>
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

        builder.Services.AddSingleton(core);
        builder.Services.AddSingleton(new AgentIdentity(hostName));
        builder.Services.AddSingleton<HostAgentService>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = null;
            if (options.BearerToken is { } token)
            {
                grpc.Interceptors.Add<BearerTokenInterceptor>(token);
            }
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(health =>
        {
            // The whole server ("") and the agent's service answer alike: SERVING while the state folder is loaded.
            health.Services.Map(string.Empty, _ => true);
            health.Services.Map(Wire.HostAgent.Descriptor.FullName, _ => true);
        }).AddCheck("state", () => core.IsRunning
            ? HealthCheckResult.Healthy($"host {hostName}: state loaded from {core.StateDirectory}")
            : HealthCheckResult.Unhealthy($"host {hostName}: the agent is stopping"));

        var app = builder.Build();
        app.MapGrpcService<HostAgentService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
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
