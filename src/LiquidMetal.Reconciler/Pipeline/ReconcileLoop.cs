using System.Net;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Triggers;
using LiquidMetal.Reconciler.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace LiquidMetal.Reconciler.Pipeline;

/// <summary>How the long-running reconciler is triggered and where it listens.</summary>
public sealed record ReconcileLoopOptions
{
    /// <summary>Where the webhook and health endpoints listen; none when null.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The HMAC secret of push webhooks; the webhook is off when null.</summary>
    public byte[]? WebhookSecret { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Longer than any healthy pass can take: every git and agent call has a time limit (a fetch and a push 30 minutes
    /// each at most), so a pass running longer than this means the loop is stuck, and /readyz says so.
    /// </summary>
    public TimeSpan LongestPass { get; init; } = TimeSpan.FromMinutes(75);

    /// <summary>While a fleet converges, how soon to look again.</summary>
    public TimeSpan ConvergingRecheck { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The reconciler as a service: Quartz fires polls (interval with jitter) and resyncs, a signed push webhook fires a
/// reconcile at once, and triggers that arrive during a reconcile coalesce into one more run. <c>/healthz</c> answers
/// while the process lives; <c>/readyz</c> once a reconcile has finished and the last one did not fail.
/// </summary>
public sealed partial class ReconcileLoop : IAsyncDisposable
{
    private const string TriggerKey = "trigger";
    private readonly FleetReconciler _reconciler;
    private readonly ReconcileLoopOptions _options;
    private readonly ILogger _logger;
    private readonly ReconcileTrigger _trigger = new();
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _web;
    private StandaloneSchedulerFactory? _schedulers;
    private IScheduler? _scheduler;
    private Task _loop = Task.CompletedTask;
    private int _quietPasses;
    private Finished? _finished;
    private Started? _started;
    private CancellationTokenSource? _watch;

    private ReconcileLoop(FleetReconciler reconciler, ReconcileLoopOptions options, ILogger logger)
    {
        _reconciler = reconciler;
        _options = options;
        _logger = logger;
    }

    /// <summary>The last reconcile's result (null before the first finished).</summary>
    public ReconcileResult? Last => _finished?.Result;

    /// <summary>Where the webhook and health endpoints are served, when they are.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Raised after every reconcile that did something.</summary>
    public event Action<ReconcileResult>? Reconciled;

    public static async Task<ReconcileLoop> StartAsync(FleetReconciler reconciler, string branch, ReconcileLoopOptions options, ILogger? logger = null)
    {
        var loop = new ReconcileLoop(reconciler, options, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        if (options.Listen is { } listen)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(listen));
            builder.Services.AddRoutingCore();
            builder.Services.AddLogging();
            var web = builder.Build();
            web.UseRouting();
            web.MapGet("/healthz", () => Results.Text("ok\n"));
            web.MapGet("/readyz", loop.Readiness);
            if (options.WebhookSecret is { } secret)
            {
                web.MapFleetWebhook(new WebhookOptions { Secret = secret, Branch = branch }, loop._trigger);
            }

            await web.StartAsync();
            loop._web = web;
            loop.Address = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }

        var schedulers = QuartzSchedulerBuilder.Create().Build();
        loop._schedulers = schedulers;
        var scheduler = await schedulers.GetScheduler();
        await scheduler.ScheduleJob(Job("poll", loop._trigger), Every("poll", options.PollInterval));
        await scheduler.ScheduleJob(Job("resync", loop._trigger), Every("resync", options.ResyncInterval));
        await scheduler.Start();
        loop._scheduler = scheduler;

        loop._trigger.Request("resync"); // a full pass at start: the status branch and the agents are the truth
        loop._loop = Task.Run(loop.RunAsync);
        return loop;
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            IReadOnlyList<string> reasons;
            try
            {
                reasons = await _trigger.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // A webhook or a new head is seen by a poll too; only a resync or a converging fleet needs every agent asked.
            var resync = reasons.Any(r => r is "resync" or "converging" or "agent");

            // This pass sees what the agents report now: the last pass's watch has nothing left to say.
            if (_watch is not null)
            {
                await _watch.CancelAsync();
                _watch.Dispose();
                _watch = null;
            }

            try
            {
                _started = new Started(DateTimeOffset.UtcNow);
                var result = await _reconciler.ReconcileOnceAsync(token, resync);
                _finished = new Finished(result, DateTimeOffset.UtcNow);
                _started = null;
                foreach (var warning in result.Warnings)
                {
                    Log.Warning(_logger, warning);
                }

                if (!result.Idle)
                {
                    Log.Reconciled(_logger, result.Revision ?? "(none)", result.Converged, string.Join(",", reasons), result.Duration.TotalMilliseconds);
                    Reconciled?.Invoke(result);
                }

                if (result.Valid && !result.Converged)
                {
                    // Woken the moment an agent reports a VM up or failed; the timed recheck below is the fallback.
                    _watch = CancellationTokenSource.CreateLinkedTokenSource(token);
                    _ = WakeOnAgentChangeAsync(_watch.Token);

                    // Look again soon while things move; back off (up to the poll interval) while nothing does,
                    // e.g. a host that stays down, so a stuck fleet is not reconciled flat out.
                    _quietPasses = result.StatusCommit is null ? _quietPasses + 1 : 0;
                    var delay = TimeSpan.FromTicks(Math.Min(_options.PollInterval.Ticks, _options.ConvergingRecheck.Ticks << Math.Min(_quietPasses, 16)));
                    _ = RecheckAsync(delay, token);
                }
                else
                {
                    _quietPasses = 0;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // An unreachable remote, a refused push, or a bug: what runs keeps running, the loop keeps going,
                // readiness reports the failure, and the next poll tries again.
                Log.Failed(_logger, e is GitException ? e.Message : e.ToString());
                _finished = new Finished(ReconcileResult.Failed(e.Message, TimeSpan.Zero), DateTimeOffset.UtcNow);
                _started = null;
            }
        }
    }

    /// <summary>
    /// Ready while the last pass did not fail (a rejected head is a finished pass: what ran keeps running) and the
    /// loop is alive: no pass has run longer than <see cref="ReconcileLoopOptions.LongestPass"/>, and, between passes,
    /// the last one finished within three poll intervals (a poll starts one every interval).
    /// </summary>
    private IResult Readiness()
    {
        var (finished, started, now) = (_finished, _started, DateTimeOffset.UtcNow);
        var last = finished?.Result;
        if (started is not null && now - started.At > _options.LongestPass)
        {
            return Results.Text($"not ready: a reconcile has run for {(now - started.At).TotalSeconds:0} s, longer than any healthy one\n", statusCode: 503);
        }

        if (started is null && finished is not null && now - finished.At > _options.PollInterval * 3 + TimeSpan.FromMinutes(5))
        {
            return Results.Text($"not ready: no reconcile has run for {(now - finished.At).TotalSeconds:0} s\n", statusCode: 503);
        }

        return last switch
        {
            null => Results.Text("not ready: no reconcile has finished yet\n", statusCode: 503),
            { Revision: null } => Results.Text($"not ready: {last.Errors.FirstOrDefault()?.Message}\n", statusCode: 503),
            { Valid: false } => Results.Text($"ready: revision {last.Revision} rejected ({last.Errors.Length} error(s)); what ran keeps running\n"),
            _ => Results.Text($"ready: revision {last.Revision}, {(last.Converged ? "converged" : "converging")}\n"),
        };
    }

    /// <summary>A pass's result and when it finished, published together.</summary>
    private sealed record Finished(ReconcileResult Result, DateTimeOffset At);

    /// <summary>When the running pass started.</summary>
    private sealed record Started(DateTimeOffset At);

    private async Task WakeOnAgentChangeAsync(CancellationToken token)
    {
        try
        {
            await _reconciler.WaitForAgentChangeAsync(token);
            _trigger.Request("agent");
        }
        catch (OperationCanceledException)
        {
            // The next pass started, or the loop is stopping.
        }
    }

    private async Task RecheckAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
            _trigger.Request("converging");
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static IJobDetail Job(string name, ReconcileTrigger trigger) =>
        JobBuilder.Create<RequestReconcileJob>().WithIdentity(name).UsingJobData(new JobDataMap { [TriggerKey] = trigger, ["reason"] = name }).Build();

    private static ITrigger Every(string name, TimeSpan interval) =>
        TriggerBuilder.Create().WithIdentity(name).StartAt(DateTimeOffset.UtcNow + interval).WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()).Build();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_scheduler is not null)
        {
            await _scheduler.Shutdown(waitForJobsToComplete: false);
        }

        if (_schedulers is not null)
        {
            await _schedulers.DisposeAsync();
        }

        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        await _loop;
        _stop.Dispose();
    }

    /// <summary>A Quartz job that asks for a reconcile, after a random tenth of its interval so many reconcilers do not poll in step.</summary>
    [DisallowConcurrentExecution]
    internal sealed class RequestReconcileJob : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            var map = context.MergedJobDataMap;
            var reason = (string)map["reason"]!;
            if (reason == "poll" && context.Trigger is ISimpleTrigger simple)
            {
                await Task.Delay(simple.RepeatInterval * (Random.Shared.NextDouble() * 0.1), cancellationToken);
            }

            ((ReconcileTrigger)map[TriggerKey]!).Request(reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "reconciled revision {Revision}: converged {Converged} (triggered by {Reasons}) in {Milliseconds} ms")]
        public static partial void Reconciled(ILogger logger, string revision, bool converged, string reasons, double milliseconds);

        [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "reconcile failed: {Error}")]
        public static partial void Failed(ILogger logger, string error);

        [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void Warning(ILogger logger, string warning);
    }
}
