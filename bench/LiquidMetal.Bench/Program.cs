using System.Globalization;
using LiquidMetal.Bench;

// liquidmetal-bench generate --hosts N --out DIR [--seed S]
if (args.Length < 1 || args[0] != "generate")
{
    Console.Error.WriteLine("usage: liquidmetal-bench generate --hosts N --out DIR [--seed S]");
    return 2;
}

int hosts = 0, seed = 1;
string? output = null;
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
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (hosts <= 0 || output is null)
{
    Console.Error.WriteLine("usage: liquidmetal-bench generate --hosts N --out DIR [--seed S]");
    return 2;
}

FleetGenerator.WriteTo(output, hosts, seed);
var files = Directory.GetFiles(output, "*.yaml", SearchOption.AllDirectories).Length;
Console.WriteLine($"generated {hosts} hosts, {Directory.GetFiles(Path.Combine(output, "clusters")).Length} clusters ({files} files) into {output}");
return 0;
