using System.CommandLine;
using LiquidMetal.Cli.Commands;

var root = new RootCommand("LiquidMetal: many Kubernetes clusters on a few bare-metal hosts, driven from Git.");
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(ReconcileCommand.Create());
root.Subcommands.Add(KubeconfigCommand.Create());
root.Subcommands.Add(AgeKeygenCommand.Create());
if (OperatingSystem.IsLinux())
{
    root.Subcommands.Add(AgentCommand.Create()); // the agent drives Linux processes (pidfd, /proc, flock)
}
try
{
    // Signals are the daemon host's to handle (see DaemonHost): one path for SIGTERM and Ctrl+C, not two racing.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
{
    // A file named by an option that is not there or not readable, or a value that does not parse: say which, no stack trace.
    await Console.Error.WriteLineAsync("liquidmetal: " + e.Message);
    return LiquidMetal.Cli.ExitCodes.Failed;
}
