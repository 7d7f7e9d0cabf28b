using System.CommandLine;

namespace LiquidMetal.Cli.Commands;

/// <summary>`liquidmetal render`.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var command = new Command("render", "TODO");
        command.SetAction(_ => ExitCodes.Failed);
        return command;
    }
}
