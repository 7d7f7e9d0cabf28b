using System.Collections.Immutable;
using System.Net.Sockets;
using System.Text;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Processes;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>Runs VMs as QEMU microvm guests: user-data through fw_cfg and a NoCloud cidata disk, readiness from the serial console.</summary>
internal sealed partial class QemuProvider : IVmProvider
{
    private readonly QemuOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _binary;
    private readonly string _program;
    private readonly AccelProbe _probe;

    public QemuProvider(QemuOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _binary = DetachedProcess.Resolve(options.Binary);
        _program = Path.GetFileName(_binary ?? options.Binary);
        _probe = new AccelProbe(_binary ?? options.Binary, options.KvmProbeTimeout, time, logger);
    }

    public string Describe() => $"qemu ({_probe.Current(_options.Accel) ?? "auto: not probed yet"})";

    public async Task<IVmInstance> StartAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        var binary = _binary ?? throw new VmStartException(
            $"{_options.Binary} is not installed (install the qemu-system-x86 package; scripts/install-test-deps.sh does)");
        var accel = await _probe.ResolveAsync(_options.Accel, launch.Spec.Kernel);

        Directory.CreateDirectory(launch.Directory);
        // The old log holds the previous boot's ready marker; the follower must not see it.
        if (File.Exists(launch.ConsoleLog))
        {
            File.Move(launch.ConsoleLog, Path.Combine(launch.Directory, "console.previous.log"), overwrite: true);
        }

        File.Delete(QemuCommandLine.ConsoleSocket(launch));
        File.Delete(QemuCommandLine.QmpSocket(launch));
        await PrivateFile.WriteAsync(QemuCommandLine.UserDataFile(launch), launch.Spec.UserData, cancellationToken);
        await NoCloud.CidataImage.WriteAsync(launch, cancellationToken);

        var process = DetachedProcess.Start(binary, QemuCommandLine.Build(launch, accel), launch.VmmLog, launch.Directory);
        var record = new InstanceRecord(process.Id, ProcFs.StartTime(process.Id) ?? 0, _program, [launch.Marker], Details(launch, accel, process.Id));
        Log.Started(_logger, launch.Spec.Id, process.Id, accel);
        return ProcessVmInstance.Started(launch, process, record, ct => PowerOffAsync(launch, ct), _time, _logger);
    }

    public IVmInstance? TryAdopt(VmLaunch launch, InstanceRecord? record)
    {
        if (VmmLocator.Locate(record, _program, launch.Marker, duplicate => Log.KillingDuplicate(_logger, launch.Spec.Id, duplicate)) is not { } found)
        {
            return null;
        }

        var (pid, startTime) = found;

        var accel = ProcFs.CommandLine(pid).Contains("-accel kvm", StringComparison.Ordinal) ? "kvm" : "tcg";
        var adopted = new InstanceRecord(pid, startTime, _program, [launch.Marker], Details(launch, accel, pid));
        return ProcessVmInstance.Adopted(launch, adopted, ct => PowerOffAsync(launch, ct), _time, _logger);
    }

    private static ImmutableSortedDictionary<string, string> Details(VmLaunch launch, string accel, int pid) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["pid"] = pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["accel"] = accel,
            ["console"] = launch.ConsoleLog,
        });

    // The ACPI power button, and "poweroff" on the serial console as well: a guest stopped right after it booted
    // may not listen to the button yet (its acpid just forked), while console input waits in the tty until read.
    private static async Task PowerOffAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        Exception? acpi = null;
        try
        {
            await QmpClient.SystemPowerdownAsync(QemuCommandLine.QmpSocket(launch), cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            acpi = e;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(QemuCommandLine.ConsoleSocket(launch)), cancellationToken);
            await socket.SendAsync(Encoding.ASCII.GetBytes("\npoweroff\n"), cancellationToken);
        }
        catch (Exception e) when (acpi is not null && e is IOException or SocketException)
        {
            throw new IOException($"neither the ACPI button ({acpi.Message}) nor the console ({e.Message}) could reach the guest", e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The button was pressed; the console was only a second way in.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "VM {VmId}: started QEMU pid {Pid} ({Accel})")]
        public static partial void Started(ILogger logger, string vmId, int pid, string accel);

        [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "VM {VmId}: killing duplicate VMM pid {Pid}")]
        public static partial void KillingDuplicate(ILogger logger, string vmId, int pid);
    }
}
