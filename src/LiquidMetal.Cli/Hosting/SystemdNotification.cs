using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace LiquidMetal.Cli.Hosting;

/// <summary>
/// Tells systemd (a <c>Type=notify</c> unit) that the daemon serves, and later that it stops: READY=1 once every hosted
/// service has started (the agent's gRPC server listens, the reconciler's loop and endpoints run), STOPPING=1 when a stop
/// begins. Without NOTIFY_SOCKET, as in a terminal, it does nothing.
/// </summary>
/// <remarks>
/// Only the notifier of Microsoft.Extensions.Hosting.Systemd, not its <see cref="SystemdLifetime"/>: that lifetime would
/// replace the console lifetime under systemd and handle SIGTERM itself, a second signal path that behaves differently
/// (no SIGINT, no stop while starting) from the one every test exercises.
/// </remarks>
internal sealed class SystemdNotification(ISystemdNotifier notifier, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private CancellationTokenRegistration _started;
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Registered first of all services, so these fire after the last one started, and as soon as a stop begins.
        if (notifier.IsEnabled)
        {
            _started = lifetime.ApplicationStarted.Register(() => notifier.Notify(ServiceState.Ready));
            _stopping = lifetime.ApplicationStopping.Register(() => notifier.Notify(ServiceState.Stopping));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _started.Dispose();
        _stopping.Dispose();
    }
}
