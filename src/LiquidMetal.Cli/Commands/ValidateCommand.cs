using System.CommandLine;
using LiquidMetal.Cli.Output;
using LiquidMetal.Fleet;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal validate DIR</c>: load, check and place a fleet; every error in one run.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "The fleet directory (fleet.yaml, hosts/, clusters/)" };
        var command = new Command("validate", "Check a fleet: schema, names, references, templates and whether every node can be placed. Exit 0 valid, 2 invalid.") { directory };
        command.SetAction(parse => Run(parse.GetValue(directory)!, Console.Out, Console.Error));
        return command;
    }

    internal static int Run(string directory, TextWriter output, TextWriter error)
    {
        var compiled = FleetCompiler.Compile(directory);
        if (!compiled.Succeeded)
        {
            DiagnosticWriter.Write(error, directory, compiled.Diagnostics);
            return ExitCodes.Invalid;
        }

        var fleet = compiled.Fleet!;
        var vms = compiled.Hosts.Sum(h => h.Microvms.Length);
        var metal = compiled.Hosts.Count(h => h.Metal is not null);
        output.WriteLine($"{directory}: valid: fleet {fleet.Settings.Name}, {fleet.Hosts.Length} hosts, {fleet.Clusters.Length} clusters, {vms + metal} nodes placed ({vms} microVMs, {metal} metal)");
        return ExitCodes.Ok;
    }
}
