using System.CommandLine;

namespace LiquidMetal.Cli.Commands;

/// <summary>`liquidmetal plan`.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var command = new Command("plan", "TODO");
        command.SetAction(_ => ExitCodes.Failed);
        return command;
    }
}
