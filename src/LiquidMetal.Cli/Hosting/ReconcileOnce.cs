using LiquidMetal.Git;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.Hosting;

namespace LiquidMetal.Cli.Hosting;

/// <summary>
/// <c>reconcile --once</c> in the daemon host: passes until the fleet converges, the head is rejected, or
/// <paramref name="wait"/> runs out; then it stops the host with an exit code. A signal stops it the same way, with
/// "not converged" and no stack trace.
/// </summary>
internal sealed class ReconcileOnce(ReconcilePass pass, TimeSpan wait, TimeProvider time, Action<ReconcileResult> report, TextWriter error, IHostApplicationLifetime lifetime) : BackgroundService
{
    /// <summary>The command's exit code once the host stopped.</summary>
    public int ExitCode { get; private set; } = ExitCodes.Failed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            ExitCode = await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("reconcile: stopped before the fleet converged");
            ExitCode = ExitCodes.Changes;
        }
        catch (GitException e)
        {
            await error.WriteLineAsync("reconcile: " + e.Message);
            ExitCode = ExitCodes.Failed;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task<int> RunAsync(CancellationToken stoppingToken)
    {
        var until = time.GetUtcNow() + wait;
        while (true)
        {
            var result = await pass.RunAsync(resync: true, stoppingToken);
            report(result);
            switch (result.Outcome)
            {
                case ReconcileOutcome.Failed:
                    return ExitCodes.Failed;
                case ReconcileOutcome.Rejected:
                    return ExitCodes.Invalid;
                case ReconcileOutcome.Converged or ReconcileOutcome.Idle:
                    return ExitCodes.Ok;
            }

            if (time.GetUtcNow() >= until)
            {
                await error.WriteLineAsync($"not converged within {wait.TotalSeconds:0} s");
                return ExitCodes.Changes;
            }

            // Look again as soon as an agent reports a VM up or failed, and after a second at most.
            using var second = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, second.Token);
            try
            {
                await pass.WaitForAgentChangeAsync(wake.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A second passed with no news.
            }
        }
    }
}
