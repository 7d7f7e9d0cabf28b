using System.CommandLine;
using LiquidMetal.Cli.Output;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Planning;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal plan BASE HEAD</c>: what moving the fleet from BASE to HEAD does, host by host.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var baseDirectory = new Argument<string>("base-dir") { Description = "The fleet as it is (e.g. the target branch of a pull request)" };
        var headDirectory = new Argument<string>("head-dir") { Description = "The fleet as proposed" };
        var format = new Option<string>("--format") { Description = "text, markdown (a pull-request comment) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "json");
        var previous = new Option<string?>("--previous") { Description = "Rendered hosts of what runs now (where base's nodes are placed)" };
        var command = new Command("plan", "Show what a change to the fleet does, host by host. Exit 0 no change, 1 changes, 2 head invalid, 3 base unusable.")
        {
            baseDirectory, headDirectory, format, previous,
        };
        command.SetAction(parse => Run(parse.GetValue(baseDirectory)!, parse.GetValue(headDirectory)!, parse.GetValue(format)!, parse.GetValue(previous), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(string baseDirectory, string headDirectory, string format, string? previousDirectory, TextWriter output, TextWriter error)
    {
        if (!RenderCommand.TryReadPrevious(previousDirectory, error, out var previous))
        {
            return ExitCodes.Failed;
        }

        var before = FleetCompiler.Compile(baseDirectory, previous);
        if (!before.Succeeded)
        {
            DiagnosticWriter.Write(error, baseDirectory, before.Diagnostics);
            error.WriteLine($"the base fleet {baseDirectory} is invalid, so there is nothing to plan against; fix the base first (or plan against what runs: --previous)");
            return ExitCodes.Failed;
        }

        // Head starts from where base placed everything: an unrelated change moves nothing.
        var after = FleetCompiler.Compile(headDirectory, RenderedDirectory.PlacementOf(before.Hosts));
        if (!after.Succeeded)
        {
            DiagnosticWriter.Write(error, headDirectory, after.Diagnostics);
            return ExitCodes.Invalid;
        }

        var baseClusters = before.Fleet!.Clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var plan = Planner.Diff(before.Hosts, after.Hosts, after.Fleet!, baseClusters);
        output.Write(format switch
        {
            "markdown" => PlanWriter.Markdown(plan),
            "json" => PlanWriter.JsonText(plan),
            _ => PlanWriter.Text(plan),
        });
        return plan.HasChanges ? ExitCodes.Changes : ExitCodes.Ok;
    }
}
