using LiquidMetal.Reconciler.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// The reconciler's HTTP face, when it listens: <c>/healthz</c> (the process lives), <c>/readyz</c> (see
/// <see cref="Readiness"/>), <c>/metrics</c> when given <paramref name="metrics"/>, and the signed push webhook. Its own
/// small Kestrel server, started and stopped with the host.
/// </summary>
public sealed class HealthEndpoints(ReconcileLoopOptions options, string branch, Readiness readiness, ReconcileTrigger trigger, PrometheusMetrics? metrics = null) : IHostedService, IAsyncDisposable
{
    private WebApplication? _web;

    /// <summary>Where the endpoints are served (the real port when 0 was asked for); null when the reconciler does not listen.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Listen is not { } listen)
        {
            return;
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(listen));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        var web = builder.Build();
        web.UseRouting();
        web.MapGet("/healthz", () => Results.Text("ok\n"));
        web.MapGet("/readyz", () => readiness.Evaluate() is var (ready, text) && ready ? Results.Text(text + "\n") : Results.Text(text + "\n", statusCode: 503));
        metrics?.MapTo(web);
        if (options.WebhookSecret is { } secret)
        {
            web.MapFleetWebhook(new WebhookOptions { Secret = secret, Branch = branch }, trigger);
        }

        await web.StartAsync(cancellationToken);
        _web = web;
        Address = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_web is not null)
        {
            await _web.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }
    }
}
