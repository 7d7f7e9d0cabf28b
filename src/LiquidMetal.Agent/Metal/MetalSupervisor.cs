using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Supervision;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Metal;

/// <summary>
/// Converges the metal assignment: the bootstrap hook runs once per assignment hash (the
/// record is saved before it runs, so a crash mid-hook is reported, never rerun), the
/// reset hook runs when the assignment goes away or changes.
/// </summary>
internal sealed partial class MetalSupervisor : IAsyncDisposable
{
    private readonly MetalHooks _hooks;
    private readonly Func<Task> _changed;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _host;
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _stop = new();
    private MetalAssignment? _desired;
    private MetalRecord? _record;
    private Task _loop = Task.CompletedTask;

    public MetalSupervisor(MetalRecord? record, MetalHooks hooks, Func<Task> changed, TimeProvider time, ILogger logger, string host)
    {
        _record = record;
        _hooks = hooks;
        _changed = changed;
        _time = time;
        _logger = logger;
        _host = host;
    }

    public MetalRecord? Record => Volatile.Read(ref _record);

    public void SetDesired(MetalAssignment? assignment)
    {
        Volatile.Write(ref _desired, assignment);
        _wake.Set();
    }

    public void Start()
    {
        if (_record is { State: MetalState.Bootstrapping } interrupted)
        {
            _record = interrupted with
            {
                State = MetalState.Failed,
                Reason = "the bootstrap hook was interrupted by an agent restart; it is not run twice for one assignment",
                Since = _time.GetUtcNow(),
            };
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var published = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = _wake.Current;
            try
            {
                // The record it starts from (an interrupted bootstrap is now Failed) goes out first; a failed save
                // is retried like any failed step, never the end of supervision.
                if (!published)
                {
                    await _changed();
                    published = true;
                }

                await ConvergeAsync(Volatile.Read(ref _desired), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.StepFailed(_logger, _host, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
                continue;
            }

            await wake.WaitAsync(cancellationToken);
        }
    }

    private async Task ConvergeAsync(MetalAssignment? desired, CancellationToken cancellationToken)
    {
        if (_record is { } current && (desired is null || !string.Equals(desired.Hash, current.Hash, StringComparison.Ordinal)))
        {
            await SetAsync(current with { State = MetalState.Releasing, Reason = "assignment released: running the reset hook", Since = _time.GetUtcNow() }, cancellationToken);
            if (_hooks.Reset is { } reset)
            {
                var result = await HookRunner.RunAsync(reset, string.Empty, Environment(current.Node, current.Cluster, current.Hash), _hooks.Timeout, _time, cancellationToken);
                Log.HookFinished(_logger, _host, current.Node, "reset", result.Describe(), result.StderrTail);
            }

            await SetAsync(null, cancellationToken);
        }

        if (desired is not null && _record is null)
        {
            var record = new MetalRecord
            {
                Node = desired.Node,
                Cluster = desired.Cluster,
                Hash = desired.Hash,
                State = MetalState.Bootstrapping,
                Reason = "running the bootstrap hook",
                Since = _time.GetUtcNow(),
            };
            // Saved before the hook runs: after a crash the agent knows it ran and does not run it again.
            await SetAsync(record, cancellationToken);
            if (_hooks.Bootstrap is not { } bootstrap)
            {
                await SetAsync(record with { State = MetalState.Failed, Reason = "no bootstrap hook is configured on this agent (--bootstrap-hook)" }, cancellationToken);
                return;
            }

            var result = await HookRunner.RunAsync(bootstrap, desired.UserData, Environment(desired.Node, desired.Cluster, desired.Hash), _hooks.Timeout, _time, cancellationToken);
            Log.HookFinished(_logger, _host, desired.Node, "bootstrap", result.Describe(), result.StderrTail);
            await SetAsync(
                record with
                {
                    State = result.Succeeded ? MetalState.Succeeded : MetalState.Failed,
                    Reason = result.Succeeded ? "bootstrap hook succeeded" : "bootstrap hook failed: " + result.Describe(),
                    Since = _time.GetUtcNow(),
                    ExitCode = result.ExitCode,
                    StderrTail = result.StderrTail,
                },
                cancellationToken);
        }
    }

    private async Task SetAsync(MetalRecord? record, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _record, record);
        await _changed();
    }

    private static Dictionary<string, string> Environment(string node, string cluster, string hash) => new(StringComparer.Ordinal)
    {
        ["LIQUIDMETAL_NODE"] = node,
        ["LIQUIDMETAL_CLUSTER"] = cluster,
        ["LIQUIDMETAL_ASSIGNMENT_HASH"] = hash,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "{Host}: metal node {Node}: {Hook} hook finished with {Result}; stderr: {StderrTail}")]
        public static partial void HookFinished(ILogger logger, string host, string node, string hook, string result, string stderrTail);

        [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "{Host}: metal supervision step failed; retrying in 1 s")]
        public static partial void StepFailed(ILogger logger, string host, Exception exception);
    }
}
