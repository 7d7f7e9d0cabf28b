using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Providers;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Supervision;

/// <summary>
/// Converges one VM, forever: measure (desired spec, VMM alive, ready marker, clock), let
/// <see cref="VmStateMachine"/> decide, perform the one effect, then wait for the next event
/// (a new desired spec, the VMM's exit, the ready marker, a deadline). One per VM, so a slow
/// stop or boot of one VM never holds up another. The VM's taps live as long as its VMM: made
/// right before a start, removed once the VMM is gone (exited, failed to start, or forgotten).
/// </summary>
internal sealed class VmSupervisor : IAsyncDisposable
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly IVmProvider _provider;
    private readonly IHostNetwork _network;
    private readonly ISupervisorOwner _owner;
    private readonly VmPolicy _policy;
    private readonly TimeSpan _stopGracePeriod;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _host;
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private VmSpec? _desired;
    private string _desiredHash = string.Empty;
    private VmRecord _record;
    private IVmInstance? _instance;
    private VmExit? _goneAtStart;

    // Taps of this VM may be on the host while no VMM runs: at agent start, and after an exit.
    private bool _releaseDue = true;
    private Task _loop = Task.CompletedTask;

    public VmSupervisor(
        VmRecord record,
        string directory,
        IVmProvider provider,
        IHostNetwork network,
        ISupervisorOwner owner,
        VmPolicy policy,
        TimeSpan stopGracePeriod,
        TimeProvider time,
        ILogger logger,
        string host)
    {
        _record = record;
        Directory = directory;
        _provider = provider;
        _network = network;
        _owner = owner;
        _policy = policy;
        _stopGracePeriod = stopGracePeriod;
        _time = time;
        _logger = logger;
        _host = host;
    }

    public string Id => _record.Id;

    public string Directory { get; }

    public VmRecord Record => Volatile.Read(ref _record);

    public bool IsDesired => Desired() is not null;

    public void SetDesired(VmSpec? spec)
    {
        lock (_gate)
        {
            _desired = spec;
            _desiredHash = spec is null ? string.Empty : SpecHash.Of(spec);
        }

        _wake.Set();
    }

    /// <summary>Re-adopts the VMM an earlier agent process left running, then starts converging.</summary>
    public void Start()
    {
        var record = _record;
        if (record.Instance is not null || record.State is VmState.Creating or VmState.Deleting)
        {
            var spec = Desired() ?? new VmSpec { Id = record.Id, Vcpu = 1, MemoryMiB = 1, Kernel = string.Empty };
            _instance = _provider.TryAdopt(new VmLaunch(spec, Directory), record.Instance);
            if (_instance is not null)
            {
                VmSupervisorLog.Adopted(_logger, _host, Id, _instance.Record.Pid);
                if (record.Instance != _instance.Record)
                {
                    _record = record with { Instance = _instance.Record };
                }
            }
            else if (record.Instance is { } gone && record.State is VmState.Creating or VmState.Running)
            {
                // Failed before the first status goes out: a dead VM is never reported Running.
                var reason = VmStateMachine.WithConsole(VmExit.GoneAtStart(gone.Pid).Description, ConsoleWatcher.ReadTail(Path.Combine(Directory, "console.log")));
                _record = VmStateMachine.Failed(record, reason, _time.GetUtcNow(), _policy) with { Instance = null };
            }
            else if (record.Instance is { } stale)
            {
                _goneAtStart = VmExit.GoneAtStart(stale.Pid);
            }
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Stops supervising. The VMM keeps running: a new agent process adopts it.</summary>
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

        _instance?.Dispose();
        _stop.Dispose();
    }

    private VmSpec? Desired()
    {
        lock (_gate)
        {
            return _desired;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!await StepAsync(cancellationToken))
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed step (a full disk, a broken state file) must not end supervision of a running VM.
                VmSupervisorLog.StepFailed(_logger, _host, Id, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
            }
        }
    }

    /// <summary>One round of measure, decide, act; false once the VM is forgotten.</summary>
    private async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var wake = _wake.Current;
        VmSpec? desired;
        VmObservation observation;
        lock (_gate)
        {
            desired = _desired;
            observation = Measure(desired, _desiredHash);
        }

        var decision = VmStateMachine.Decide(observation, _policy);
        var changed = !ReferenceEquals(decision.Record, _record);
        if (changed)
        {
            await SetRecordAsync(decision.Record, cancellationToken);
        }

        // Only an exit the decision saw: one that happened since is measured next round.
        if (observation.Instance == InstanceView.Exited && _instance is { } exited)
        {
            // Its exit is in the record now; what remains is a handle to nothing.
            exited.Dispose();
            _instance = null;
            _goneAtStart = null;
            _releaseDue = true;
            if (_record.Instance is not null && _record.State is not (VmState.Creating or VmState.Running))
            {
                await SetRecordAsync(_record with { Instance = null }, cancellationToken);
            }
        }

        // A start releases leftovers itself, once it knows no VMM of this VM runs unrecorded.
        if (_releaseDue && _instance is null && decision.Effect != VmEffect.Start)
        {
            await _network.ReleaseAsync(Id, cancellationToken);
            _releaseDue = false;
        }

        switch (decision.Effect)
        {
            case VmEffect.Start:
                await StartInstanceAsync(desired!, cancellationToken);
                break;
            case VmEffect.Stop:
                await StopInstanceAsync(cancellationToken);
                break;
            case VmEffect.Kill:
                _instance?.Kill();
                await WaitForExitAsync(KillWait, cancellationToken);
                break;
            case VmEffect.Forget:
                await _network.ReleaseAsync(Id, cancellationToken);
                if (await _owner.TryRetireAsync(this, cancellationToken))
                {
                    VmSupervisorLog.Forgotten(_logger, _host, Id);
                    return false;
                }

                break;
            default:
                if (!changed)
                {
                    await VmEvents.WaitAsync(wake, _instance, _record.State == VmState.Creating, decision.WakeAt, _time, cancellationToken);
                }

                break;
        }

        return true;
    }

    private VmObservation Measure(VmSpec? desired, string desiredHash)
    {
        var instance = _instance;
        var view = instance is null ? InstanceView.None : instance.Exited.IsCompleted ? InstanceView.Exited : InstanceView.Alive;
        var exit = view == InstanceView.Exited ? instance!.Exited.Result : _goneAtStart;
        var consoleNeeded = view == InstanceView.Exited || _record.State == VmState.Creating;
        return new VmObservation
        {
            Record = _record,
            Desired = desired,
            DesiredHash = desiredHash,
            ExpectedUserDataSha256 = desired is null ? string.Empty : SpecHash.UserDataSha256(desired),
            Instance = view,
            Exit = exit,
            Ready = instance is { Ready.IsCompletedSuccessfully: true } ? instance.Ready.Result : null,
            ConsoleTail = consoleNeeded && instance is not null ? instance.ConsoleTail() : [],
            Now = _time.GetUtcNow(),
        };
    }

    private async Task StartInstanceAsync(VmSpec desired, CancellationToken cancellationToken)
    {
        var launch = new VmLaunch(desired, Directory);
        // A VMM for this VM may run already (an agent crash right after starting one): never a second.
        var existing = _provider.TryAdopt(launch, null);
        if (existing is not null)
        {
            _instance = existing;
            VmSupervisorLog.Adopted(_logger, _host, Id, existing.Record.Pid);
            await SetRecordAsync(VmStateMachine.Started(_record, existing.Record, $"adopted the VMM already running for this VM (pid {existing.Record.Pid})", _time.GetUtcNow()), cancellationToken);
            return;
        }

        // Fresh taps for every start: whatever an earlier VMM of this VM left goes first.
        await _network.ReleaseAsync(Id, cancellationToken);
        _releaseDue = false;
        try
        {
            await _network.PrepareAsync(desired, cancellationToken);
        }
        catch (HostNetworkException e)
        {
            // Only this VM waits (with backoff) for the host to offer what it needs; the others go on.
            VmSupervisorLog.StartFailed(_logger, _host, Id, e.Message);
            await SetRecordAsync(VmStateMachine.Failed(_record, "host network: " + e.Message, _time.GetUtcNow(), _policy), cancellationToken);
            return;
        }

        try
        {
            var instance = await _provider.StartAsync(launch, cancellationToken);
            _instance = instance;
            var reason = $"VMM started (pid {instance.Record.Pid}); waiting for the guest's ready marker";
            await SetRecordAsync(VmStateMachine.Started(_record, instance.Record, reason, _time.GetUtcNow()), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            VmSupervisorLog.StartFailed(_logger, _host, Id, e.Message);
            await _network.ReleaseAsync(Id, cancellationToken);
            await SetRecordAsync(VmStateMachine.Failed(_record, "could not start the VMM: " + e.Message, _time.GetUtcNow(), _policy), cancellationToken);
        }
    }

    private async Task StopInstanceAsync(CancellationToken cancellationToken)
    {
        if (_instance is not { } instance)
        {
            return;
        }

        VmSupervisorLog.Stopping(_logger, _host, Id, instance.Record.Pid, _record.Reason);
        await instance.StopAsync(_stopGracePeriod, cancellationToken);
    }

    private async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_instance is { } instance)
        {
            await Task.WhenAny(instance.Exited, Task.Delay(timeout, cancellationToken));
        }
    }

    private async Task SetRecordAsync(VmRecord record, CancellationToken cancellationToken)
    {
        var previous = _record;
        Volatile.Write(ref _record, record);
        if (previous.State != record.State)
        {
            VmSupervisorLog.StateChanged(_logger, _host, Id, previous.State, record.State, record.Reason);
        }

        await _owner.ChangedAsync();
    }
}
