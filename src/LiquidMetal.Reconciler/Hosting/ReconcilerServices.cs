using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>The reconciler as services of a generic host: the loop, its schedule, its endpoints.</summary>
public static class ReconcilerServices
{
    /// <summary>
    /// Adds the reconcile loop over <paramref name="pass"/>, which the host disposes when it stops: Quartz polls and
    /// resyncs, the worker that runs passes, and, with <see cref="ReconcileLoopOptions.Listen"/>, health endpoints and
    /// the webhook. Time comes from the host's <see cref="TimeProvider"/> when one is registered.
    /// </summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, ReconcilePass pass, string branch, ReconcileLoopOptions options)
    {
        services.AddSingleton(_ => pass);
        services.AddSingleton(options);
        services.AddSingleton<ReconcileTrigger>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new Readiness(provider.GetRequiredService<TimeProvider>(), options.LongestPass, options.PollInterval));
        services.AddSingleton<ReconcilerWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<ReconcilerWorker>());
        services.AddSingleton(provider => new HealthEndpoints(options, branch, provider.GetRequiredService<Readiness>(), provider.GetRequiredService<ReconcileTrigger>()));
        services.AddHostedService(provider => provider.GetRequiredService<HealthEndpoints>());
        services.AddSingleton<PollSchedule>();
        services.AddHostedService(provider => provider.GetRequiredService<PollSchedule>());
        return services;
    }
}
