using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>The reconciler as services of a generic host: the loop, its schedule, its endpoints.</summary>
public static class ReconcilerServices
{
    /// <summary>
    /// Adds the reconcile loop over <paramref name="pass"/>, which the host disposes when it stops: Quartz polls and
    /// resyncs, the worker that runs passes, and, with <see cref="ReconcileLoopOptions.Listen"/>, health endpoints, the
    /// webhook and (unless <see cref="ReconcileLoopOptions.ServeMetrics"/> is off) /metrics. Time comes from the host's <see cref="TimeProvider"/> when one is registered. With
    /// <paramref name="leadership"/> (default: <see cref="SoleLeader"/>), passes run only while this replica leads; a
    /// leadership that is a hosted service starts before the loop and stops after it, so the loop has stopped passing
    /// before the lease is released.
    /// </summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, ReconcilePass pass, string branch, ReconcileLoopOptions options, ILeadership? leadership = null)
    {
        services.AddSingleton(_ => pass);
        services.AddSingleton(options);
        services.AddSingleton(leadership ?? SoleLeader.Instance);
        if (leadership is IHostedService elector)
        {
            services.AddSingleton<IHostedService>(elector);
        }

        services.AddSingleton<ReconcileTrigger>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new Readiness(provider.GetRequiredService<TimeProvider>(), options.LongestPass, options.PollInterval, provider.GetRequiredService<ILeadership>()));
        services.AddSingleton(provider => new ReconcilerWorker(
            provider.GetRequiredService<ReconcilePass>(),
            provider.GetRequiredService<ReconcileTrigger>(),
            provider.GetRequiredService<Readiness>(),
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ReconcilerWorker>>(),
            provider.GetRequiredService<ILeadership>()));
        services.AddHostedService(provider => provider.GetRequiredService<ReconcilerWorker>());
        if (options.Listen is not null && options.ServeMetrics)
        {
            // Made with the endpoints, when the host gathers its hosted services: before the worker starts the first pass.
            services.AddSingleton<PrometheusMetrics>();
        }

        services.AddSingleton(provider => new HealthEndpoints(
            options, branch, provider.GetRequiredService<Readiness>(), provider.GetRequiredService<ReconcileTrigger>(), provider.GetService<PrometheusMetrics>()));
        services.AddHostedService(provider => provider.GetRequiredService<HealthEndpoints>());
        services.AddSingleton<PollSchedule>();
        services.AddHostedService(provider => provider.GetRequiredService<PollSchedule>());
        return services;
    }
}
