namespace LiquidMetal.Cli;

/// <summary>The exit codes every subcommand shares (plan follows flux diff: 1 means "there are changes").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Changes = 1;
    public const int Invalid = 2;
    public const int Failed = 3;
}
