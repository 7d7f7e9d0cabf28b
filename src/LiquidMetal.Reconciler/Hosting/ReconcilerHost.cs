using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// The reconcile loop in a generic host of its own, for programs that embed it (tests, benchmarks): started here,
/// stopped by disposing. The <c>reconcile</c> command builds the same services into its daemon host instead.
/// </summary>
public sealed class ReconcilerHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Readiness _readiness;
    private readonly ReconcilerWorker _worker;

    private ReconcilerHost(IHost host)
    {
        _host = host;
        _readiness = host.Services.GetRequiredService<Readiness>();
        _worker = host.Services.GetRequiredService<ReconcilerWorker>();
        Address = host.Services.GetRequiredService<HealthEndpoints>().Address;
    }

    /// <summary>The last pass's result (null before the first finished).</summary>
    public ReconcileResult? Last => _readiness.Last;

    /// <summary>Where the webhook and health endpoints are served, when they are.</summary>
    public Uri? Address { get; }

    /// <summary>Raised after every pass that did something.</summary>
    public event Action<ReconcileResult>? Reconciled
    {
        add => _worker.Reconciled += value;
        remove => _worker.Reconciled -= value;
    }

    /// <summary>Starts the loop over <paramref name="pass"/>, which is disposed with the host; it passes only while <paramref name="leadership"/> leads.</summary>
    public static async Task<ReconcilerHost> StartAsync(
        ReconcilePass pass, string branch, ReconcileLoopOptions options, ILoggerFactory? logging = null, TimeProvider? time = null, ILeadership? leadership = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        // Whoever embeds the loop owns the process's signals: no console lifetime here.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton(logging ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddReconciler(pass, branch, options, leadership);
        var host = builder.Build();
        await host.StartAsync();
        return new ReconcilerHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>A host lifetime that leaves starting and stopping to the embedding program.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
