using System.Collections.Immutable;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Providers.Sim;

/// <summary>A simulated VM: no process, just timers that make it ready and, on request, exit.</summary>
internal sealed class SimInstance : IVmInstance
{
    private readonly TaskCompletionSource<VmExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ReadyMarker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _bootTimer;
    private readonly List<string> _console = [];

    public SimInstance(VmLaunch launch, TimeSpan bootDelay, TimeProvider time)
    {
        Record = new InstanceRecord(0, 0, "sim", [launch.Marker], ImmutableSortedDictionary<string, string>.Empty.Add("simulated", "true"));
        var marker = new ReadyMarker(launch.Spec.Id, SpecHash.UserDataSha256(launch.Spec));
        _console.Add("simulated boot of " + launch.Spec.Id);
        _bootTimer = time.CreateTimer(
            _ =>
            {
                lock (_console)
                {
                    _console.Add($"{ReadyMarker.Prefix} id={marker.Id} userdata-sha256={marker.UserDataSha256}");
                }

                _ready.TrySetResult(marker);
            },
            null,
            bootDelay,
            Timeout.InfiniteTimeSpan);
    }

    public InstanceRecord Record { get; }

    public Task<VmExit> Exited => _exited.Task;

    public Task<ReadyMarker> Ready => _ready.Task;

    public IReadOnlyList<string> ConsoleTail()
    {
        lock (_console)
        {
            return [.. _console];
        }
    }

    public Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        End("simulated VM powered off");
        return Task.CompletedTask;
    }

    public void Kill() => End("simulated VM was killed");

    /// <summary>Makes the simulated VMM exit as if it had crashed.</summary>
    public void Crash(string description) => End(description);

    // Nothing to stop watching: the provider keeps the instance so a new supervisor can adopt it.
    public void Dispose()
    {
    }

    private void End(string description)
    {
        _bootTimer.Dispose();
        _exited.TrySetResult(new VmExit(description));
    }
}
