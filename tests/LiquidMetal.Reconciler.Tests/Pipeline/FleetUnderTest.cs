using System.Net;
using System.Runtime.CompilerServices;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Service;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// fleet-example in a repository on a real git daemon, one real agent (sim provider, real gRPC) per host, and a
/// person's clone to push changes from. Endpoints in the fleet point at the agents' loopback ports.
/// </summary>
internal sealed class FleetUnderTest : IAsyncDisposable
{
    private readonly GitDaemonFixture _daemon = new();
    private readonly string _state = Directory.CreateTempSubdirectory("lm-reconcile-").FullName;

    private FleetUnderTest()
    {
    }

    public Dictionary<string, (HostAgentCore Core, AgentServer Server)> Agents { get; } = [];

    public string Url { get; private set; } = string.Empty;

    public string Clone { get; private set; } = string.Empty;

    public static async Task<FleetUnderTest> StartAsync([CallerFilePath] string source = "")
    {
        var fleet = new FleetUnderTest();
        var example = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "fleet-example"));
        fleet.Url = fleet._daemon.CreateRepository("fleet");
        fleet.Clone = GitTool.Clone(fleet.Url);
        foreach (var file in Directory.EnumerateFiles(example, "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(example, file);
            var text = await File.ReadAllTextAsync(file);
            if (relative.StartsWith("hosts", StringComparison.Ordinal))
            {
                var host = Path.GetFileNameWithoutExtension(file);
                var agent = await fleet.StartAgentAsync(host);
                text = text.Replace($"https://{host}.openedge-lab.example:7443", agent.Server.Address.ToString().TrimEnd('/'), StringComparison.Ordinal);
            }

            var target = Path.Combine(fleet.Clone, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllTextAsync(target, text);
        }

        GitTool.Run(fleet.Clone, "add", "-A");
        GitTool.Run(fleet.Clone, "commit", "--quiet", "-m", "fleet-example");
        GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
        return fleet;
    }

    public ReconcilerOptions Options => new()
    {
        RepositoryUrl = Url,
        MirrorPath = Path.Combine(_state, "mirror.git"),
        AgentCallTimeout = TimeSpan.FromSeconds(3),
        ControlPlaneSettle = TimeSpan.FromMilliseconds(200), // sim VMs boot in 30 ms
    };

    /// <summary>Installs a hook script in the served repository (hooks/<paramref name="name"/>, executable).</summary>
    public void ServerHook(string name, string script)
    {
        var path = Path.Combine(_daemon.Root, "fleet.git", "hooks", name);
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Sets a git config value in the served repository (e.g. to allow deleting main).</summary>
    public void ServerConfig(string key, string value) => GitTool.Run(Path.Combine(_daemon.Root, "fleet.git"), "config", key, value);

    public string Head => GitTool.Run(Clone, "rev-parse", "HEAD");

    /// <summary>Edits a file in the person's clone, commits and pushes; returns the new head.</summary>
    public string Push(string path, Func<string, string> edit, string message)
    {
        var full = Path.Combine(Clone, path);
        File.WriteAllText(full, edit(File.ReadAllText(full)));
        GitTool.Run(Clone, "commit", "--quiet", "-am", message);
        GitTool.Run(Clone, "push", "--quiet", "origin", "main");
        return Head;
    }

    /// <summary>Reconciles until converged (or the timeout), returning the last result.</summary>
    public static async Task<ReconcileResult> ConvergeAsync(ReconcilePass reconciler, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await reconciler.RunAsync();
            if (result.Converged || !result.Valid || DateTime.UtcNow > until)
            {
                return result;
            }

            await Task.Delay(50);
        }
    }

    public int RunningVms => Agents.Values.Sum(a => a.Core.GetStatus().Vms.Count(v => v.State == Agent.Core.VmState.Running));

    /// <summary>A file on the status branch, as the remote has it.</summary>
    public string StatusFile(string path)
    {
        GitTool.Run(Clone, "fetch", "--quiet", "origin", "liquidmetal/status");
        return GitTool.Run(Clone, "show", $"FETCH_HEAD:{path}");
    }

    /// <summary>Every file path on the status branch.</summary>
    public string StatusTree()
    {
        GitTool.Run(Clone, "fetch", "--quiet", "origin");
        return GitTool.Run(Clone, "ls-tree", "-r", "--name-only", "origin/liquidmetal/status");
    }

    public string StatusLog()
    {
        GitTool.Run(Clone, "fetch", "--quiet", "origin", "liquidmetal/status");
        return GitTool.Run(Clone, "log", "--format=%s%n%b", "FETCH_HEAD");
    }

    /// <summary>Stops a host's agent (server and core) and starts it again on the same state folder and port.</summary>
    public async Task RestartAgentAsync(string host)
    {
        var (core, server) = Agents[host];
        var port = server.Address.Port;
        await server.DisposeAsync();
        await core.DisposeAsync();
        await StartAgentAsync(host, port);
    }

    private async Task<(HostAgentCore Core, AgentServer Server)> StartAgentAsync(string host, int port = 0)
    {
        var agent = await StartSimAgentAsync(Path.Combine(_state, "agents", host), host, port);
        Agents[host] = agent;
        return agent;
    }

    /// <summary>A real agent with the sim provider (30 ms boots) for <paramref name="host"/>, on loopback (any port by default).</summary>
    internal static async Task<(HostAgentCore Core, AgentServer Server)> StartSimAgentAsync(string stateDirectory, string host, int port = 0)
    {
        var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = stateDirectory,
            Provider = ProviderKind.Sim,
            Sim = new() { BootDelay = TimeSpan.FromMilliseconds(30) },
            ImageDirectories = ["/var/lib/liquidmetal/images"],
            CpuCapacity = 32,
            MemoryCapacityMiB = 98304,
            BootstrapHook = "/bin/true",
            ResetHook = "/bin/true",
            HostName = host,
        });
        return (core, await AgentServer.StartAsync(core, host, new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, port) }));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (core, server) in Agents.Values)
        {
            await server.DisposeAsync();
            await core.DisposeAsync();
        }

        _daemon.Dispose();
        Directory.Delete(_state, recursive: true);
        Directory.Delete(Clone, recursive: true);
    }
}
