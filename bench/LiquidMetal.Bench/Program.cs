using System.Globalization;
using LiquidMetal.Bench;

// liquidmetal-bench generate --hosts N --out DIR [--seed S] [--shape edge|pool]
// liquidmetal-bench agent-latency CLI [VMS] [CALLS]
// liquidmetal-bench agent-boot CLI KERNEL INITRD [ROUNDS]
const string Usage = "usage: liquidmetal-bench generate --hosts N --out DIR [--seed S] [--shape edge|pool] | agent-latency PATH-TO-liquidmetal [VMS] [CALLS] | agent-boot PATH-TO-liquidmetal KERNEL INITRD [ROUNDS] | reconcile [HOSTS] [BOOT-DELAY-MS] | reconcile-qemu KERNEL INITRD [ROUNDS]";
if (args.Length >= 2 && args[0] == "agent-latency")
{
    return await AgentBenchmarks.LatencyAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100, args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000);
}

if (args.Length >= 4 && args[0] == "agent-boot")
{
    return await AgentBenchmarks.BootAsync(args[1], args[2], args[3], args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 3 && args[0] == "reconcile-qemu" && OperatingSystem.IsLinux())
{
    return await QemuReconcileBenchmark.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 3 && args[0] == "sim-agents" && OperatingSystem.IsLinux())
{
    return await SimAgents.ServeAsync(args[1], TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture)));
}

if (args.Length >= 1 && args[0] == "reconcile" && OperatingSystem.IsLinux())
{
    return await ReconcileBenchmark.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200,
        TimeSpan.FromMilliseconds(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 500));
}

if (args.Length < 1 || args[0] != "generate")
{
    Console.Error.WriteLine(Usage);
    return 2;
}

int hosts = 0, seed = 1;
string? output = null;
var shape = FleetShape.Edge;
for (var i = 1; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--hosts":
            hosts = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--seed":
            seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--out":
            output = args[i + 1];
            break;
        case "--shape" when Enum.TryParse<FleetShape>(args[i + 1], ignoreCase: true, out var parsed):
            shape = parsed;
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (hosts <= 0 || output is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

FleetGenerator.WriteTo(output, hosts, seed, shape);
var files = Directory.GetFiles(output, "*.yaml", SearchOption.AllDirectories).Length;
Console.WriteLine($"generated {hosts} hosts, {Directory.GetFiles(Path.Combine(output, "clusters")).Length} clusters ({files} files) into {output}");
return 0;
