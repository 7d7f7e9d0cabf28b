using System.CommandLine;
using LiquidMetal.Cli.Commands;

var root = new RootCommand("LiquidMetal: many Kubernetes clusters on a few bare-metal hosts, driven from Git.");
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(ReconcileCommand.Create());
if (OperatingSystem.IsLinux())
{
    root.Subcommands.Add(AgentCommand.Create()); // the agent drives Linux processes (pidfd, /proc, flock)
}
return await root.Parse(args).InvokeAsync();
