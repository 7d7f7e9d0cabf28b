using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Service;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Bench;

/// <summary>
/// The sim agents of a reconcile benchmark, in a process of their own: the reconciler's process then holds only the
/// reconciler, so its peak RSS and CPU time are its own. Both processes still share this machine's two cores; on a
/// real site every agent has a host to itself.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class SimAgents
{
    private const string Ready = "-- ready"; // not a host name (and not "NAME URL")

    /// <summary>
    /// The child: one agent per host name on standard input (one per line, until an empty line), each on a loopback
    /// port; prints "NAME URL" per agent, then "-- ready", and serves until standard input closes.
    /// </summary>
    public static async Task<int> ServeAsync(string stateRoot, TimeSpan bootDelay)
    {
        var names = new List<string>();
        while (Console.ReadLine() is { Length: > 0 } line)
        {
            names.Add(line.Trim());
        }

        var agents = new List<(HostAgentCore Core, AgentServer Server)>();
        // Warnings and errors only, on standard error (the parent's console): a host that does not converge says why.
        using var logging = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(console => console.SingleLine = true));
        try
        {
            foreach (var host in names)
            {
                var core = await HostAgentCore.StartAsync(new HostAgentOptions
                {
                    StateDirectory = Path.Combine(stateRoot, host),
                    Provider = ProviderKind.Sim,
                    Sim = new() { BootDelay = bootDelay },
                    ImageDirectories = ["/var/lib/liquidmetal/images"],
                    CpuCapacity = 64,
                    MemoryCapacityMiB = 262144,
                    BootstrapHook = "/bin/true",
                    HostName = host,
                }, logging);
                var server = await AgentServer.StartAsync(core, host, new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
                agents.Add((core, server));
                Console.WriteLine($"{host} {server.Address.ToString().TrimEnd('/')}");
            }

            Console.WriteLine(Ready);
            await Console.Out.FlushAsync();
            while (Console.ReadLine() is not null)
            {
                // Serve until the parent closes standard input (or goes away).
            }

            return 0;
        }
        finally
        {
            foreach (var (core, server) in agents)
            {
                await server.DisposeAsync();
                await core.DisposeAsync();
            }
        }
    }

    /// <summary>The parent's handle on the child: its agents' addresses, its CPU time, and stopping it.</summary>
    public sealed class Child : IAsyncDisposable
    {
        private readonly Process _process;

        private Child(Process process, Dictionary<string, string> addresses) => (_process, Addresses) = (process, addresses);

        /// <summary>Each host's agent URL.</summary>
        public IReadOnlyDictionary<string, string> Addresses { get; }

        public TimeSpan CpuTime
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        /// <summary>Starts this benchmark's own executable as <c>sim-agents</c> and waits until every agent listens.</summary>
        public static async Task<Child> StartAsync(IReadOnlyList<string> hosts, string stateRoot, TimeSpan bootDelay)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // The agents run with the runtime's own GC settings whatever the reconciler's (DOTNET_gcServer=1 and the
            // like, set to compare the reconciler's): on a real site they run on other machines.
            foreach (var setting in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_gcServer", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(setting);
            }

            foreach (var argument in new[] { "sim-agents", stateRoot, bootDelay.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the sim agents' process");
            var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var host in hosts)
                {
                    await process.StandardInput.WriteLineAsync(host);
                }

                await process.StandardInput.WriteLineAsync();
                await process.StandardInput.FlushAsync();

                // "NAME URL" per agent, then the ready line; a minute per 1,000 agents at most.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (hosts.Count * 60 / 1000)));
                while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != Ready)
                {
                    var space = line.IndexOf(' ');
                    if (space <= 0)
                    {
                        throw new InvalidOperationException($"the sim agents' process wrote '{line}', not 'NAME URL'");
                    }

                    addresses[line[..space]] = line[(space + 1)..];
                }

                if (hosts.FirstOrDefault(h => !addresses.ContainsKey(h)) is { } missing)
                {
                    throw new InvalidOperationException($"the sim agents' process started {addresses.Count} of {hosts.Count} agents; none for {missing} (exit code {(process.HasExited ? process.ExitCode : "none yet")})");
                }
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }

            return new Child(process, addresses);
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
