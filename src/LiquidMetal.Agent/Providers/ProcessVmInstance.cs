using System.Diagnostics;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Processes;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Providers;

/// <summary>A VMM process (QEMU or Firecracker), started by this agent or adopted from an earlier one.</summary>
internal sealed partial class ProcessVmInstance : IVmInstance
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly VmLaunch _launch;
    private readonly Process? _child;
    private readonly ConsoleWatcher _console;
    private readonly Func<CancellationToken, Task> _requestPowerOff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _watch = new();

    private ProcessVmInstance(VmLaunch launch, InstanceRecord record, Process? child, Func<CancellationToken, Task> requestPowerOff, TimeProvider time, ILogger logger)
    {
        _time = time;
        _launch = launch;
        Record = record;
        _child = child;
        _requestPowerOff = requestPowerOff;
        _logger = logger;
        // Polled only until the ready marker: every 10 ms adds at most 10 ms to Running (it was 100: 9% of a TCG boot).
        _console = new ConsoleWatcher(launch.ConsoleLog, launch.Spec.Id, TimeSpan.FromMilliseconds(10), time);
        Exited = child is not null ? WaitForChildAsync(child, record.Pid) : WaitForAdoptedAsync(record, _watch.Token);
    }

    public InstanceRecord Record { get; }

    public Task<VmExit> Exited { get; }

    public Task<ReadyMarker> Ready => _console.Ready;

    /// <summary>Wraps a VMM this agent process just started (its child: the exit status is known).</summary>
    public static ProcessVmInstance Started(VmLaunch launch, Process child, InstanceRecord record, Func<CancellationToken, Task> requestPowerOff, TimeProvider time, ILogger logger) =>
        new(launch, record, child, requestPowerOff, time, logger);

    /// <summary>Wraps a VMM an earlier agent process started, after its identity was checked.</summary>
    public static ProcessVmInstance Adopted(VmLaunch launch, InstanceRecord record, Func<CancellationToken, Task> requestPowerOff, TimeProvider time, ILogger logger) =>
        new(launch, record, null, requestPowerOff, time, logger);

    public IReadOnlyList<string> ConsoleTail()
    {
        // The VMM's own complaints (a bad argument, a missing file) come before the guest's lines.
        var vmm = ReadVmmLog();
        return [.. vmm, .. _console.Tail()];
    }

    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        try
        {
            using var requestTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
            using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, requestTimeout.Token);
            await _requestPowerOff(request.Token);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException)
        {
            Log.PowerOffRequestFailed(_logger, _launch.Spec.Id, Record.Pid, e.Message);
        }

        if (await WaitAsync(Exited, gracePeriod, _time, cancellationToken))
        {
            return;
        }

        Log.KillingAfterGracePeriod(_logger, _launch.Spec.Id, Record.Pid, gracePeriod.TotalSeconds);
        Kill();
        await WaitAsync(Exited, KillWait, _time, cancellationToken);
    }

    public void Kill()
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        if (_child is not null)
        {
            // The Process object knows whether the pid is still this child: no reuse race.
            try
            {
                _child.Kill();
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
        else if (ProcFs.IsSame(Record.Pid, Record.StartTime, Record.Program, Record.Markers))
        {
            Native.kill(Record.Pid, Native.SigKill);
        }
    }

    public void Dispose()
    {
        _watch.Cancel();
        _console.Dispose();
    }

    private static async Task<VmExit> WaitForChildAsync(Process child, int pid)
    {
        await child.WaitForExitAsync();
        return VmExit.FromExitCode(pid, child.ExitCode);
    }

    private static async Task<VmExit> WaitForAdoptedAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        await ExitWatcher.Shared.WatchAsync(record.Pid, record.StartTime, cancellationToken);
        return VmExit.NotAChild(record.Pid);
    }

    private static async Task<bool> WaitAsync(Task task, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private IReadOnlyList<string> ReadVmmLog()
    {
        try
        {
            var lines = File.ReadLines(_launch.VmmLog).Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(5).ToArray();
            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "VM {VmId}: asking VMM {Pid} to power off failed: {Error}")]
        public static partial void PowerOffRequestFailed(ILogger logger, string vmId, int pid, string error);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "VM {VmId}: VMM {Pid} still runs {GraceSeconds} s after the power-off request; killing it")]
        public static partial void KillingAfterGracePeriod(ILogger logger, string vmId, int pid, double graceSeconds);
    }
}
