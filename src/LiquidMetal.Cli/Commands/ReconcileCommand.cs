using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Git;
using LiquidMetal.Grpc;
using LiquidMetal.Reconciler.Pipeline;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// <c>liquidmetal reconcile --repo URL</c>: the reconcile loop. With <c>--once</c>, reconciles until the fleet converges
/// (or <c>--wait</c> runs out) and exits 0 converged, 1 not converged, 2 head revision invalid, 3 failure.
/// </summary>
internal static class ReconcileCommand
{
    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "The fleet repo: a URL or a local path", Required = true };
        var branch = new Option<string>("--branch") { Description = "The branch the fleet is read from", DefaultValueFactory = _ => "main" };
        var statusBranch = new Option<string>("--status-branch") { Description = "The branch status is written to", DefaultValueFactory = _ => "liquidmetal/status" };
        var once = new Option<bool>("--once") { Description = "Reconcile until converged (or --wait), then exit with a code that says whether it converged" };
        var wait = new Option<int>("--wait") { Description = "With --once: seconds to wait for convergence", DefaultValueFactory = _ => 300 };
        var interval = new Option<int>("--interval") { Description = "Seconds between polls (10% jitter); a poll that finds nothing new does nothing", DefaultValueFactory = _ => 30 };
        var resyncEvery = new Option<int>("--resync") { Description = "Seconds between full resyncs that ask every agent (corrects drift)", DefaultValueFactory = _ => 600 };
        var agentToken = new Option<string?>("--agent-token-file") { Description = "Bearer token the agents require" };
        var agentCa = new Option<string?>("--agent-ca") { Description = "PEM CA the agents' TLS certificates are issued by" };
        var mirror = new Option<string?>("--mirror") { Description = "The bare mirror's folder (default: a cache folder per repository URL)" };
        var command = new Command("reconcile", "Pull the fleet repo, validate, place, render, apply to the host agents and write status to the status branch.")
        {
            repo, branch, statusBranch, once, wait, interval, resyncEvery, agentToken, agentCa, mirror,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = MirrorCache.NormalizeUrl(parse.GetValue(repo)!);
            var client = new GrpcClientOptions
            {
                BearerToken = parse.GetValue(agentToken) is { } token ? (await File.ReadAllTextAsync(token, cancellationToken)).Trim() : null,
                CertificateAuthority = parse.GetValue(agentCa) is { } ca ? X509CertificateLoader.LoadCertificateFromFile(ca) : null,
            };
            var options = new ReconcilerOptions
            {
                RepositoryUrl = url,
                MirrorPath = parse.GetValue(mirror) ?? MirrorCache.PathFor(url),
                Branch = parse.GetValue(branch)!,
                StatusBranch = parse.GetValue(statusBranch)!,
                AgentClient = client,
            };
            return parse.GetValue(once)
                ? await RunOnceAsync(options, TimeSpan.FromSeconds(parse.GetValue(wait)), Console.Out, Console.Error, cancellationToken)
                : await RunLoopAsync(options, TimeSpan.FromSeconds(parse.GetValue(interval)), TimeSpan.FromSeconds(parse.GetValue(resyncEvery)), Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunOnceAsync(ReconcilerOptions options, TimeSpan wait, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            await using var reconciler = await FleetReconciler.OpenAsync(options, cancellationToken: cancellationToken);
            var until = DateTimeOffset.UtcNow + wait;
            while (true)
            {
                var result = await reconciler.ReconcileOnceAsync(cancellationToken);
                Report(result, output, error);
                if (!result.Valid)
                {
                    return result.Revision is null ? ExitCodes.Failed : ExitCodes.Invalid;
                }

                if (result.Converged)
                {
                    return ExitCodes.Ok;
                }

                if (DateTimeOffset.UtcNow >= until)
                {
                    await error.WriteLineAsync($"not converged within {wait.TotalSeconds:0} s");
                    return ExitCodes.Changes;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        catch (GitException e)
        {
            await error.WriteLineAsync("reconcile: " + e.Message);
            return ExitCodes.Failed;
        }
    }

    private static async Task<int> RunLoopAsync(ReconcilerOptions options, TimeSpan interval, TimeSpan resyncEvery, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var reconciler = await FleetReconciler.OpenAsync(options, cancellationToken: cancellationToken);
        var lastResync = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resync = DateTimeOffset.UtcNow - lastResync >= resyncEvery;
                var result = await reconciler.ReconcileOnceAsync(cancellationToken, resync);
                if (resync)
                {
                    lastResync = DateTimeOffset.UtcNow;
                }

                if (!result.Idle)
                {
                    Report(result, output, error);
                }
            }
            catch (GitException e)
            {
                // An unreachable remote or a refused push: what runs keeps running; try again next time.
                await error.WriteLineAsync("reconcile: " + e.Message);
            }

            var jitter = interval * (Random.Shared.NextDouble() * 0.2 - 0.1);
            try
            {
                await Task.Delay(interval + jitter, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return ExitCodes.Ok;
    }

    private static void Report(ReconcileResult result, TextWriter output, TextWriter error)
    {
        var revision = result.Revision?[..Math.Min(12, result.Revision.Length)] ?? "(none)";
        var commit = result.StatusCommit is null ? "no status change" : "status " + result.StatusCommit[..12];
        if (!result.Valid)
        {
            foreach (var diagnostic in result.Errors)
            {
                error.WriteLine(diagnostic.ToString());
            }

            output.WriteLine($"revision {revision}: rejected ({result.Errors.Length} error(s)); {commit}; {result.Duration.TotalMilliseconds:0} ms");
            return;
        }

        output.WriteLine($"revision {revision}: {(result.Converged ? "converged" : "converging")}; {commit}; {result.Duration.TotalMilliseconds:0} ms");
    }
}
