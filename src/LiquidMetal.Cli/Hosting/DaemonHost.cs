using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Cli.Hosting;

/// <summary>
/// The one way the long-running commands (<c>agent</c>, <c>reconcile</c>) live and stop: a generic host whose console
/// lifetime turns SIGTERM, SIGINT and SIGQUIT into a graceful stop of its hosted services, in reverse order of start.
/// Under systemd it also says when it is ready and when it stops (<see cref="SystemdNotification"/>).
/// </summary>
internal static class DaemonHost
{
    /// <summary>An empty host (no configuration files, no file watchers) that logs through <paramref name="logging"/>.</summary>
    public static HostApplicationBuilder CreateBuilder(ILoggerFactory logging)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(logging);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton<IHostLifetime, ConsoleLifetime>();
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddHostedService<SystemdNotification>();
        return builder;
    }

    /// <summary>Starts the host and runs it until a signal (or <paramref name="cancellationToken"/>) stops it.</summary>
    public static async Task RunAsync(IHost host, CancellationToken cancellationToken)
    {
        if (await StartAsync(host, cancellationToken))
        {
            await host.WaitForShutdownAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Starts the host. The console lifetime handles signals from before the services start, so a signal may stop the
    /// host while it starts: then what did start is stopped again, as after any other signal, and this returns false
    /// (rather than letting the cancelled start escape as an exception with a stack trace).
    /// </summary>
    public static async Task<bool> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.StartAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            await host.StopAsync(CancellationToken.None);
            return false;
        }
    }
}
