using System.Collections.Immutable;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Core.Validation;
using LiquidMetal.Agent.Metal;
using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Providers.Sim;
using LiquidMetal.Agent.Supervision;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Agent;

/// <summary>
/// The host agent without its transport: accepts the desired state of the host, converges on
/// it (one supervisor per VM, one for the metal assignment), persists what it observed and
/// publishes status changes. Disposing it stops supervising but leaves every VM running, so
/// the next agent process on the same state folder adopts them.
/// </summary>
public sealed class HostAgentCore : IAsyncDisposable, ISupervisorOwner
{
    private readonly HostAgentOptions _options;
    private readonly StateStore _store;
    private readonly IVmProvider _provider;
    private readonly IHostNetwork _network;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly VmPolicy _policy;
    private readonly DesiredStateValidator _validator;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly object _gate = new();
    private readonly Dictionary<string, VmSupervisor> _supervisors = new(StringComparer.Ordinal);
    private readonly MetalSupervisor _metal;
    private readonly StatusFeed _feed;
    private readonly int _cpu;
    private readonly long _memoryMiB;
    private HostDesiredState _desired;

    // The desired state the state folder must end up holding: every write reads it when its turn comes, so a late
    // background write can never put an older state back over a newer one.
    private HostDesiredState _toPersist;
    private long _observedGeneration;
    private bool _disposed;

    private HostAgentCore(HostAgentOptions options, StateStore store, IVmProvider provider, IHostNetwork network, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _store = store;
        _provider = provider;
        _network = network;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<HostAgentCore>();
        _policy = new VmPolicy(options.BootDeadline, new BackoffPolicy(options.RestartBackoffInitial, options.RestartBackoffMax), options.StableAfter);
        _cpu = options.CpuCapacity ?? Environment.ProcessorCount;
        _memoryMiB = options.MemoryCapacityMiB ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
        _validator = new DesiredStateValidator(options.ImageDirectories, _memoryMiB);

        _desired = store.LoadDesired() ?? new HostDesiredState();
        _toPersist = _desired;
        var observed = store.LoadObserved() ?? new ObservedState();
        _observedGeneration = Math.Max(observed.ObservedGeneration, _desired.Generation);
        var now = time.GetUtcNow();
        var desiredById = _desired.Vms.ToDictionary(vm => vm.Id, StringComparer.Ordinal);
        foreach (var record in observed.Vms)
        {
            _supervisors[record.Id] = NewSupervisor(record, desiredById.GetValueOrDefault(record.Id));
        }

        foreach (var spec in _desired.Vms.Where(vm => !_supervisors.ContainsKey(vm.Id)))
        {
            _supervisors[spec.Id] = NewSupervisor(VmRecord.For(spec, SpecHash.Of(spec), now), spec);
        }

        var hooks = new MetalHooks(options.BootstrapHook, options.ResetHook, options.HookTimeout);
        _metal = new MetalSupervisor(observed.Metal, hooks, ChangedAsync, time, loggerFactory.CreateLogger<MetalSupervisor>(), options.HostName);
        _metal.SetDesired(_desired.Metal);
        _feed = new StatusFeed(BuildStatus(0));
    }

    /// <summary>The absolute state folder this core owns.</summary>
    public string StateDirectory => _store.Directory;

    /// <summary>Opens the state folder (taking its lock), re-adopts the VMs an earlier agent left running and starts converging.</summary>
    /// <exception cref="StateDirectoryInUseException">Another agent holds the state folder.</exception>
    public static Task<HostAgentCore> StartAsync(HostAgentOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null) =>
        StartAsync(options, null, null, loggerFactory, timeProvider);

    /// <summary>Accepts a new desired state after validating all of it; an invalid one changes nothing.</summary>
    /// <returns>The status right after the change was accepted (VMs converge after it; watch for progress).</returns>
    /// <exception cref="DesiredStateValidationException">The desired state was refused; the message lists every problem.</exception>
    public async Task<HostStatus> ApplyAsync(HostDesiredState desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var normalized = desired.Vms.IsDefault ? desired with { Vms = [] } : desired;
        await _applyGate.WaitAsync(cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew(); // the time to accept it, not the wait behind another
        try
        {
            var applied = Volatile.Read(ref _observedGeneration);
            var errors = _validator.Validate(normalized, applied);
            var stale = errors.Count == 1 && normalized.Generation < applied;
            bool sameWork;
            lock (_gate)
            {
                sameWork = errors.Count == 0 && SameWork(_desired, normalized); // _desired changes only under _applyGate, held here
            }

            if (errors.Count == 0 && normalized.Generation == applied && !sameWork)
            {
                // The generation is the agent's compare-and-swap: a writer sends the generation after the one it saw. The
                // same generation with other work was built on the status before another writer's Apply of it; taking
                // it would overwrite that Apply unseen. The same work again is a retry, and is accepted.
                errors = [$"generation {normalized.Generation} is already applied, with other work: this desired state was built on an older status; ask for the status and send the newest desired state under generation {applied + 1}"];
                stale = true;
            }

            if (errors.Count > 0)
            {
                HostAgentLog.Refused(_logger, _options.HostName, normalized.Generation, string.Join("; ", errors));
                AgentTelemetry.Applies.Add(1, new("host", _options.HostName), new("outcome", "refused"));
                throw new DesiredStateValidationException(errors) { Stale = stale };
            }

            // Accepted from here on: a caller that goes away (a reconciler killed mid-call) must not leave the change
            // half made, e.g. VMs registered but never started while status already claims the new spec.
            cancellationToken.ThrowIfCancellationRequested();

            // Saved before acting: an agent that crashes now resumes converging on it. A resync that asks for the
            // same work under a new generation acts on nothing, so losing it in a crash loses nothing: it is written
            // after the answer, not durably. Every write takes the latest desired state when its turn comes.
            Volatile.Write(ref _toPersist, normalized);
            if (!sameWork)
            {
                await _store.SaveDesiredAsync(() => Volatile.Read(ref _toPersist), CancellationToken.None);
            }

            var started = new List<VmSupervisor>();
            lock (_gate)
            {
                _desired = normalized;
                _observedGeneration = normalized.Generation;
                var now = _time.GetUtcNow();
                var wanted = normalized.Vms.ToDictionary(vm => vm.Id, StringComparer.Ordinal);
                foreach (var (id, supervisor) in _supervisors)
                {
                    supervisor.SetDesired(wanted.GetValueOrDefault(id));
                }

                foreach (var spec in normalized.Vms.Where(vm => !_supervisors.ContainsKey(vm.Id)))
                {
                    var supervisor = NewSupervisor(VmRecord.For(spec, SpecHash.Of(spec), now), spec);
                    _supervisors[spec.Id] = supervisor;
                    started.Add(supervisor);
                }
            }

            _metal.SetDesired(normalized.Metal);
            HostAgentLog.Applied(_logger, _options.HostName, normalized.Generation, normalized.Vms.Length);
            if (sameWork)
            {
                // Only the generation moved (a resync): the VM records need no write, and desired.json gets the new
                // generation in the background (a restarting agent takes the larger of both files' generations).
                _feed.Publish(BuildStatus);
                _ = SaveResyncAsync();
            }
            else
            {
                await ChangedAsync();
            }

            foreach (var supervisor in started)
            {
                supervisor.Start();
            }

            AgentTelemetry.Applies.Add(1, new("host", _options.HostName), new("outcome", "accepted"));
            AgentTelemetry.ApplyDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("host", _options.HostName));
            return GetStatus();
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>The latest observed status.</summary>
    public HostStatus GetStatus() => _feed.Latest;

    /// <summary>How many Watch streams are open (each reconciler that reached this agent holds one).</summary>
    public int WatcherCount => _feed.Watchers;

    /// <summary>True from the moment the state folder is loaded until disposal begins: the agent can take an Apply.</summary>
    public bool IsRunning => !Volatile.Read(ref _disposed);

    /// <summary>The current status first, then every change, until cancelled or the core is disposed.</summary>
    public IAsyncEnumerable<HostStatus> WatchAsync(CancellationToken cancellationToken = default) => _feed.WatchAsync(TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// The current status first, then changes at least <paramref name="spacing"/> apart, each the newest when sent
    /// (what a remote watcher needs: the states between two messages are not news once the second is sent).
    /// </summary>
    public IAsyncEnumerable<HostStatus> WatchAsync(TimeSpan spacing, CancellationToken cancellationToken) => _feed.WatchAsync(spacing, cancellationToken);

    /// <summary>Stops supervising and releases the state folder; VMs keep running for the next agent process.</summary>
    public async ValueTask DisposeAsync()
    {
        VmSupervisor[] supervisors;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            supervisors = [.. _supervisors.Values];
        }

        AgentTelemetry.Untrack(this);
        await Task.WhenAll(supervisors.Select(s => s.DisposeAsync().AsTask()));
        await _metal.DisposeAsync();
        await _store.SaveObservedAsync(Snapshot);
        _feed.Complete();
        _store.Dispose();
        _applyGate.Dispose();
        HostAgentLog.Stopped(_logger, _options.HostName, supervisors.Length);
    }

    internal static async Task<HostAgentCore> StartAsync(
        HostAgentOptions options,
        Func<TimeProvider, ILogger, IVmProvider>? providerFactory,
        IHostNetwork? network,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var providerLogger = loggerFactory.CreateLogger("LiquidMetal.Agent.Providers");
        var provider = providerFactory?.Invoke(time, providerLogger) ?? ProviderFactory.Create(options, time, providerLogger);
        var store = StateStore.Open(options.StateDirectory);
        try
        {
            ProviderFactory.CheckStateDirectory(options, store);
            network ??= ProviderFactory.CreateNetwork(options, store.Directory, loggerFactory.CreateLogger("LiquidMetal.Agent.Networking"));
            var core = new HostAgentCore(options, store, provider, network, time, loggerFactory);
            await core.StartSupervisingAsync();
            AgentTelemetry.Track(core, options.HostName);
            return core;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Makes one simulated VM crash (sim provider only); for tests of supervision.</summary>
    internal bool CrashSimulatedVm(string vmId) => _provider is SimProvider sim && sim.Crash(vmId, "simulated VMM crash");

    Task ISupervisorOwner.ChangedAsync() => ChangedAsync();

    async Task<bool> ISupervisorOwner.TryRetireAsync(VmSupervisor supervisor, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (supervisor.IsDesired || !_supervisors.Remove(supervisor.Id))
            {
                return false;
            }
        }

        try
        {
            Directory.Delete(supervisor.Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Never started.
        }

        await ChangedAsync();
        return true;
    }

    private async Task StartSupervisingAsync()
    {
        VmSupervisor[] supervisors;
        lock (_gate)
        {
            supervisors = [.. _supervisors.Values];
        }

        // Before any supervisor runs: taps of VMs this agent has forgotten (removed while it was down, or a lost
        // state folder entry) go; taps of every VM it knows stay, whether its VMM is alive (re-adopted) or not.
        await _network.SweepAsync(supervisors.Select(s => s.Id).ToHashSet(StringComparer.Ordinal), CancellationToken.None);
        foreach (var supervisor in supervisors)
        {
            supervisor.Start();
        }

        _metal.Start();
        HostAgentLog.Started(_logger, _options.HostName, _store.Directory, _provider.Describe(), supervisors.Length);
        await ChangedAsync();
    }

    private VmSupervisor NewSupervisor(VmRecord record, VmSpec? desired)
    {
        var supervisor = new VmSupervisor(
            record,
            _store.VmDirectory(record.Id),
            _provider,
            _network,
            this,
            _policy,
            _options.StopGracePeriod,
            _time,
            _loggerFactory.CreateLogger<VmSupervisor>(),
            _options.HostName);
        supervisor.SetDesired(desired);
        return supervisor;
    }

    private Task ChangedAsync()
    {
        _feed.Publish(BuildStatus);
        return _store.SaveObservedAsync(Snapshot);
    }

    private async Task SaveResyncAsync()
    {
        try
        {
            await _store.SaveDesiredAsync(() => Volatile.Read(ref _toPersist), CancellationToken.None, durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            HostAgentLog.ResyncNotSaved(_logger, _options.HostName, e.Message);
        }
    }

    /// <summary>Whether two desired states ask for exactly the same VMs (by id and hash) and the same metal assignment.</summary>
    private static bool SameWork(HostDesiredState before, HostDesiredState after) =>
        before.Metal?.Hash == after.Metal?.Hash
        && before.Vms.Length == after.Vms.Length
        && before.Vms.Zip(after.Vms).All(pair => pair.First.Id == pair.Second.Id && SpecHash.Of(pair.First) == SpecHash.Of(pair.Second));

    private ObservedState Snapshot()
    {
        lock (_gate)
        {
            return new ObservedState
            {
                ObservedGeneration = _observedGeneration,
                Vms = [.. _supervisors.Values.Select(s => s.Record).OrderBy(r => r.Id, StringComparer.Ordinal)],
                Metal = _metal.Record,
            };
        }
    }

    private HostStatus BuildStatus(long revision)
    {
        lock (_gate)
        {
            var vms = _supervisors.Values
                .Select(s => s.Record)
                .OrderBy(r => r.Id, StringComparer.Ordinal)
                .Select(r => r.ToStatus())
                .ToImmutableArray();
            return new HostStatus
            {
                ObservedGeneration = _observedGeneration,
                Revision = revision,
                Vms = vms,
                Metal = _metal.Record?.ToStatus(),
                Capacity = new HostCapacity(_cpu, _memoryMiB, _desired.Vms.Sum(vm => vm.Vcpu), _desired.Vms.Sum(vm => vm.MemoryMiB)),
                AgentVersion = AgentInfo.Version,
                Provider = _provider.Describe(),
                SpecHash = _desired.SpecHash,
            };
        }
    }
}
