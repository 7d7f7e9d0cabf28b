using System.CommandLine;
using System.Globalization;
using System.Net;
using LiquidMetal.Agent.Api;
using LiquidMetal.Cli.Hosting;
using LiquidMetal.Cli.Output;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Secrets.Age;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// <c>liquidmetal reconcile --repo URL</c>: the reconcile loop. With <c>--once</c>, one pass (with <c>--wait S</c>, passes
/// until the fleet converges or S seconds have passed) and exit 0 converged, 1 not converged, 2 head revision invalid, 3 failure.
/// </summary>
internal static class ReconcileCommand
{
    // A settle time is for a node to prove itself healthy; a longer one is a mistake, not a policy.
    private const int MaxSettleSeconds = 86_400;

    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "The fleet repo: a URL or a local path", Required = true };
        repo.Validators.Add(result =>
        {
            // A service's configuration that leaves the repo out passes an empty value, not none.
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--repo is empty: give the fleet repo's URL or path");
            }
        });
        var branch = new Option<string>("--branch") { Description = "The branch the fleet is read from", DefaultValueFactory = _ => "main" };
        var statusBranch = new Option<string>("--status-branch") { Description = "The branch status is written to", DefaultValueFactory = _ => "liquidmetal/status" };
        var once = new Option<bool>("--once") { Description = "One pass (with --wait: passes until converged or the wait runs out), then exit 0 converged, 1 not converged, 2 head invalid, 3 failure" };
        var wait = new Option<int>("--wait") { Description = "With --once: seconds to keep passing (one a second at most) until the fleet converges; 0 is one pass", DefaultValueFactory = _ => 0 };
        wait.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"--wait {result.GetValueOrDefault<int>()}: the seconds to keep passing cannot be negative; give 0 (one pass) or more");
            }
        });
        var interval = new Option<int>("--interval") { Description = "Seconds between polls (10% jitter); a poll that finds nothing new does nothing", DefaultValueFactory = _ => 30 };
        var resyncEvery = new Option<int>("--resync") { Description = "Seconds between full resyncs that look at every agent (corrects drift)", DefaultValueFactory = _ => 600 };
        var settle = new Option<double>("--control-plane-settle")
        {
            Description = "Seconds a replaced control plane must have run its new spec before the next of its cluster is replaced (fractions allowed)",
            DefaultValueFactory = _ => 30,
        };
        settle.Validators.Add(result =>
        {
            if (SettleProblem(result.GetValueOrDefault<double>()) is { } problem)
            {
                result.AddError($"--control-plane-settle {result.GetValueOrDefault<double>().ToString(CultureInfo.InvariantCulture)}: {problem}; give seconds from 0 to {MaxSettleSeconds} (a day), e.g. 30 (the default) or 0.5");
            }
        });
        var agentToken = new Option<string?>("--agent-token-file") { Description = "Bearer token the agents require" };
        var agentCa = new Option<string?>("--agent-ca") { Description = "PEM CA the agents' TLS certificates are issued by" };
        var agentCert = new Option<string?>("--agent-cert") { Description = "PEM client certificate for agents that require one (mutual TLS); with --agent-key" };
        var agentKey = new Option<string?>("--agent-key") { Description = "PEM private key of --agent-cert" };
        var mirror = new Option<string?>("--mirror") { Description = "The bare mirror's folder (default: a cache folder per repository URL)" };
        var listen = new Option<string?>("--listen") { Description = "address:port for /webhook, /healthz, /readyz and /metrics (not with --once)" };
        var metrics = new Option<bool>("--metrics") { Description = "Serve /metrics (Prometheus text) on --listen; --metrics false leaves it out", DefaultValueFactory = _ => true };
        var allowedSigners = new Option<string?>("--require-ssh-signers") { Description = "Apply only commits signed by a key in this SSH allowed-signers file" };
        var gpgKeys = new Option<string[]>("--require-gpg-key") { Description = "Apply only commits signed by this GPG key fingerprint (repeat for more)" };
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "Export traces and metrics by OTLP/gRPC to this endpoint, e.g. http://127.0.0.1:4317" };
        var logFormat = new Option<string>("--log-format") { Description = "text (one line per event) or json (one object per event, with revision, host, cluster and VM as fields)", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var webhookSecret = new Option<string?>("--webhook-secret-file") { Description = "HMAC secret of GitHub-style push webhooks (X-Hub-Signature-256); the webhook is off without it" };
        var ageKeyFile = new Option<string?>("--age-key-file") { Description = "age identity file (liquidmetal age-keygen) that seals and opens kubeadm clusters' CAs and tokens on the status branch; without it kubeadm clusters are not applied" };
        var ageRecipients = new Option<string[]>("--age-recipient") { Description = "Also seal cluster secrets to this age recipient (age1..., e.g. an operator's recovery key); repeat for more" };
        var command = new Command("reconcile", "Pull the fleet repo, validate, place, render, apply to the host agents and write status to the status branch.")
        {
            repo, branch, statusBranch, once, wait, interval, resyncEvery, settle, agentToken, agentCa, agentCert, agentKey, mirror, listen, metrics, webhookSecret, otlp, allowedSigners, gpgKeys, logFormat, ageKeyFile, ageRecipients,
        };
        var access = new GitAccess();
        access.AddTo(command);
        var election = new LeaderElectionFlags();
        election.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetValue(once) && result.GetValue(election.Elect))
            {
                result.AddError("--leader-elect is for the reconcile loop run by several replicas; --once runs passes on its own: give one of them");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var telemetry = Telemetry.Start(parse.GetValue(otlp));
            using var logging = LoggerFactory.Create(builder =>
            {
                if (parse.GetValue(logFormat) == "json")
                {
                    builder.AddJsonConsole(json => json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
                }
                else
                {
                    builder.AddSimpleConsole(console =>
                    {
                        console.SingleLine = true;
                        console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                        console.UseUtcTimestamp = true;
                    });
                }
            });
            ISecretBox? box;
            try
            {
                box = parse.GetValue(ageKeyFile) is { } keyFile
                    ? AgeSecretBox.FromKeyFile(keyFile, [.. (parse.GetValue(ageRecipients) ?? []).Select(AgeRecipient.Parse)])
                    : null;
            }
            catch (AgeException e)
            {
                await Console.Error.WriteLineAsync("liquidmetal: " + e.Message);
                return ExitCodes.Failed;
            }

            LeaseLeadership? leadership;
            try
            {
                leadership = election.Create(parse, logging);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("liquidmetal: " + e.Message);
                return ExitCodes.Failed;
            }

            using var leases = leadership;
            var url = MirrorCache.NormalizeUrl(parse.GetValue(repo)!);
            var client = AgentClientOptions.FromFiles(parse.GetValue(agentCa), parse.GetValue(agentCert), parse.GetValue(agentKey), parse.GetValue(agentToken));
            var options = new ReconcilerOptions
            {
                RepositoryUrl = url,
                MirrorPath = parse.GetValue(mirror) ?? MirrorCache.PathFor(url),
                Branch = parse.GetValue(branch)!,
                StatusBranch = parse.GetValue(statusBranch)!,
                AgentClient = client,
                Credentials = await access.ReadAsync(parse, cancellationToken),
                ControlPlaneSettle = TimeSpan.FromSeconds(parse.GetValue(settle)),
                Logger = logging.CreateLogger("LiquidMetal.Reconciler"),
                SecretBox = box,
                RequireSignedBy = parse.GetValue(allowedSigners) is null && (parse.GetValue(gpgKeys) ?? []).Length == 0
                    ? null
                    : new SignatureTrust { SshAllowedSignersFile = parse.GetValue(allowedSigners), GpgFingerprints = [.. parse.GetValue(gpgKeys) ?? []] },
            };
            return parse.GetValue(once)
                ? await RunOnceAsync(options, TimeSpan.FromSeconds(parse.GetValue(wait)), Console.Out, Console.Error, logging, cancellationToken)
                : await RunServiceAsync(options, new ReconcileLoopOptions
                {
                    Listen = parse.GetValue(listen) is { } address ? IPEndPoint.Parse(address) : null,
                    ServeMetrics = parse.GetValue(metrics),
                    WebhookSecret = parse.GetValue(webhookSecret) is { } secret ? System.Text.Encoding.UTF8.GetBytes((await File.ReadAllTextAsync(secret, cancellationToken)).Trim()) : null,
                    PollInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                    ResyncInterval = TimeSpan.FromSeconds(parse.GetValue(resyncEvery)),
                }, leadership, Console.Out, logging, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunOnceAsync(ReconcilerOptions options, TimeSpan wait, TextWriter output, TextWriter error, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var builder = DaemonHost.CreateBuilder(logging);
        try
        {
            var pass = await ReconcilePass.OpenAsync(options, cancellationToken: cancellationToken);
            builder.Services.AddSingleton(_ => pass);
        }
        catch (GitException e)
        {
            await error.WriteLineAsync("reconcile: " + e.Message);
            return ExitCodes.Failed;
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(provider => new ReconcileOnce(
            provider.GetRequiredService<ReconcilePass>(), wait, TimeProvider.System, result => Report(result, output, error), error, provider.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ReconcileOnce>());
        using var host = builder.Build();
        await DaemonHost.RunAsync(host, cancellationToken);
        if (host.Services.GetRequiredService<ReconcileOnce>().ExitCode is { } code)
        {
            return code;
        }

        // A signal stopped the host before its first pass began.
        await error.WriteLineAsync("reconcile: stopped before the fleet converged");
        return ExitCodes.Changes;
    }

    private static async Task<int> RunServiceAsync(
        ReconcilerOptions options, ReconcileLoopOptions loopOptions, ILeadership? leadership, TextWriter output, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var builder = DaemonHost.CreateBuilder(logging);
        builder.Services.AddReconciler(await ReconcilePass.OpenAsync(options, cancellationToken: cancellationToken), options.Branch, loopOptions, leadership);
        using var host = builder.Build();
        host.Services.GetRequiredService<ReconcilerWorker>().Reconciled += result => Report(result, output, Console.Error);
        if (!await DaemonHost.StartAsync(host, cancellationToken))
        {
            return ExitCodes.Ok; // a signal came while it started: stopped as after any other signal
        }

        var address = host.Services.GetRequiredService<HealthEndpoints>().Address;
        await output.WriteLineAsync($"reconciling {MirrorCache.ForDisplay(options.RepositoryUrl)} branch {options.Branch}: poll every {loopOptions.PollInterval.TotalSeconds:0} s, resync every {loopOptions.ResyncInterval.TotalSeconds:0} s" +
            (address is not null ? $", {(loopOptions.ServeMetrics ? "webhook, health and metrics" : "webhook and health")} on {address}" : string.Empty) +
            (leadership is not null ? "; passes only while it holds the lease" : string.Empty));

        // SIGTERM or Ctrl+C stops the pass in flight; nothing is half-applied (each host gets its whole spec or none).
        await host.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static string? SettleProblem(double seconds) => seconds switch
    {
        double.NaN or double.PositiveInfinity or double.NegativeInfinity => "a settle time must be a finite number of seconds",
        < 0 => "a settle time cannot be negative",
        > MaxSettleSeconds => "a settle time of more than a day holds a rollout for days",
        _ => null,
    };

    private static void Report(ReconcileResult result, TextWriter output, TextWriter error)
    {
        var revision = result.Revision?[..Math.Min(12, result.Revision.Length)] ?? "(none)";
        var commit = result.StatusCommit is null ? "no status change" : "status " + result.StatusCommit[..12];
        foreach (var warning in result.Warnings)
        {
            error.WriteLine("warning: " + warning);
        }

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
