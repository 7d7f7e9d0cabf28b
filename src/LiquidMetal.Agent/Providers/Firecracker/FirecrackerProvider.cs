using System.Collections.Immutable;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Processes;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Providers.Firecracker;

/// <summary>
/// Runs VMs under Firecracker, launched from a config file with no API socket. The serial
/// console is Firecracker's standard output, which goes to the console log. With no API there
/// is no Ctrl+Alt+Del, so a graceful stop is SIGTERM (Firecracker exits cleanly on it).
/// </summary>
internal sealed partial class FirecrackerProvider(FirecrackerOptions options, TimeProvider time, ILogger logger) : IVmProvider
{
    private readonly string? _binary = DetachedProcess.Resolve(options.Binary);
    private readonly string _program = Path.GetFileName(DetachedProcess.Resolve(options.Binary) ?? options.Binary);

    public string Describe() => _binary is null ? "firecracker (binary not found)" : "firecracker";

    public static string ConfigFile(VmLaunch launch) => Path.Combine(launch.Directory, "firecracker.json");

    public static string MetadataFile(VmLaunch launch) => Path.Combine(launch.Directory, "mmds.json");

    public static IReadOnlyList<string> Arguments(VmLaunch launch)
    {
        List<string> args = ["--no-api", "--id", launch.Spec.Id, "--config-file", ConfigFile(launch)];
        if (FirecrackerConfig.HasMmds(launch))
        {
            args.AddRange(["--metadata", MetadataFile(launch)]);
        }

        return args;
    }

    public async Task<IVmInstance> StartAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        var binary = _binary ?? throw new VmStartException($"{options.Binary} is not installed; the firecracker provider needs its binary on PATH");
        Directory.CreateDirectory(launch.Directory);
        File.Delete(launch.ConsoleLog);
        await File.WriteAllTextAsync(ConfigFile(launch), FirecrackerConfig.Config(launch), cancellationToken);
        await NoCloud.CidataImage.WriteAsync(launch, cancellationToken);
        if (FirecrackerConfig.HasMmds(launch))
        {
            await PrivateFile.WriteAsync(MetadataFile(launch), FirecrackerConfig.Metadata(launch), cancellationToken);
        }

        // Serial output is Firecracker's stdout: the "VMM log" is the console log here.
        var process = DetachedProcess.Start(binary, Arguments(launch), launch.ConsoleLog, launch.Directory);
        var record = new InstanceRecord(process.Id, ProcFs.StartTime(process.Id) ?? 0, _program, [launch.Marker], Details(launch, process.Id));
        Log.Started(logger, launch.Spec.Id, process.Id);
        return ProcessVmInstance.Started(launch, process, record, _ => Terminate(record), time, logger);
    }

    public IVmInstance? TryAdopt(VmLaunch launch, InstanceRecord? record)
    {
        if (VmmLocator.Locate(record, _program, launch.Marker, duplicate => Log.KillingDuplicate(logger, launch.Spec.Id, duplicate)) is not { } found)
        {
            return null;
        }

        var (pid, startTime) = found;

        var adopted = new InstanceRecord(pid, startTime, _program, [launch.Marker], Details(launch, pid));
        return ProcessVmInstance.Adopted(launch, adopted, _ => Terminate(adopted), time, logger);
    }

    private static Task Terminate(InstanceRecord record)
    {
        if (ProcFs.IsSame(record.Pid, record.StartTime, record.Program, record.Markers))
        {
            Native.kill(record.Pid, Native.SigTerm);
        }

        return Task.CompletedTask;
    }

    private static ImmutableSortedDictionary<string, string> Details(VmLaunch launch, int pid) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["pid"] = pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["console"] = launch.ConsoleLog,
            ["config"] = ConfigFile(launch),
        });

    private static partial class Log
    {
        [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "VM {VmId}: started Firecracker pid {Pid}")]
        public static partial void Started(ILogger logger, string vmId, int pid);

        [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "VM {VmId}: killing duplicate VMM pid {Pid}")]
        public static partial void KillingDuplicate(ILogger logger, string vmId, int pid);
    }
}
