using LiquidMetal.Git;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.Hosting;

namespace LiquidMetal.Cli.Hosting;

/// <summary>
/// <c>reconcile --once</c> in the daemon host: one pass, or with a wait passes until the fleet converges, the head is
/// rejected or the wait runs out (see <see cref="ReconcileUntilConverged"/>); then it stops the host with an exit code.
/// SIGTERM or Ctrl+C stops it the same way, with "not converged" and no stack trace.
/// </summary>
internal sealed class ReconcileOnce(ReconcilePass pass, TimeSpan wait, TimeProvider time, Action<ReconcileResult> report, TextWriter error, IHostApplicationLifetime lifetime) : BackgroundService
{
    /// <summary>How long a git command that a signal killed may wait for this process's own stop to begin (both come from one Ctrl+C).</summary>
    private static readonly TimeSpan SignalGrace = TimeSpan.FromSeconds(2);

    /// <summary>The command's exit code once the host stopped; null when the host was stopped before this service began.</summary>
    public int? ExitCode { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ExitCode = ExitCodes.Failed; // what an exception no case below expects leaves
        try
        {
            ExitCode = await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (Stopping(stoppingToken))
        {
            ExitCode = await StoppedAsync();
        }
        catch (GitException e)
        {
            // A Ctrl+C at the terminal reaches git as well as this process, and git may die of it before the signal
            // has been handled here: then the failure is the stop, not a problem with the repository.
            ExitCode = Stopping(stoppingToken) || (e.Interrupted && await StopBeginsAsync(stoppingToken))
                ? await StoppedAsync()
                : await FailedAsync("reconcile: " + e.Message);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task<int> RunAsync(CancellationToken stoppingToken)
    {
        var last = await new ReconcileUntilConverged(pass, time).RunAsync(wait, report, stoppingToken);
        switch (last.Outcome)
        {
            case ReconcileOutcome.Failed:
                return ExitCodes.Failed;
            case ReconcileOutcome.Rejected:
                return ExitCodes.Invalid;
            case ReconcileOutcome.Converged or ReconcileOutcome.Idle:
                return ExitCodes.Ok;
        }

        await error.WriteLineAsync(wait <= TimeSpan.Zero
            ? "not converged after one pass; --wait S passes until it converges or S seconds have passed"
            : $"not converged within {wait.TotalSeconds:0} s");
        return ExitCodes.Changes;
    }

    private bool Stopping(CancellationToken stoppingToken) => stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested;

    private async Task<bool> StopBeginsAsync(CancellationToken stoppingToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(SignalGrace, time, either.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private async Task<int> StoppedAsync()
    {
        await error.WriteLineAsync("reconcile: stopped before the fleet converged");
        return ExitCodes.Changes;
    }

    private async Task<int> FailedAsync(string message)
    {
        await error.WriteLineAsync(message);
        return ExitCodes.Failed;
    }
}
