using System.CommandLine;

namespace LiquidMetal.Cli.Commands;

/// <summary>`liquidmetal validate`.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var command = new Command("validate", "TODO");
        command.SetAction(_ => ExitCodes.Failed);
        return command;
    }
}
