using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Two "sleds" on this machine: a network namespace each, with a bridge br-lab, the two bridges joined by a veth pair
/// as a switch would join two sleds, a management veth from this namespace to each (the reconciler's way in), and a
/// real `liquidmetal agent` process (QEMU, TCG) in each namespace listening on its management address. Everything it
/// made (processes, namespaces and the veths with them, state) goes on dispose.
/// </summary>
internal sealed class TwoSleds : IAsyncDisposable
{
    private const int AgentPort = 7443;

    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly int _subnet = Random.Shared.Next(0, 256); // 10.250.<subnet>.0/29: two /30 management links
    private readonly Dictionary<string, Sled> _sleds = new(StringComparer.Ordinal);

    private TwoSleds()
    {
        Root = Path.Combine("/tmp", "lm-net-" + _id); // short: QEMU's unix socket paths must fit in 108 bytes
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static async Task<TwoSleds> StartAsync(string imageDirectory)
    {
        var lab = new TwoSleds();
        try
        {
            string[] names = ["sled-a", "sled-b"];
            for (var i = 0; i < names.Length; i++)
            {
                lab.MakeSled(names[i], i);
            }

            // The switch: one veth pair, an end on each sled's br-lab.
            var (left, right) = ($"lm{lab._id}s0", $"lm{lab._id}s1");
            Ip("link", "add", left, "netns", lab._sleds["sled-a"].Namespace, "type", "veth", "peer", "name", right, "netns", lab._sleds["sled-b"].Namespace);
            Ip("-n", lab._sleds["sled-a"].Namespace, "link", "set", left, "master", "br-lab", "up");
            Ip("-n", lab._sleds["sled-b"].Namespace, "link", "set", right, "master", "br-lab", "up");

            foreach (var sled in lab._sleds.Values)
            {
                await sled.StartAgentAsync(imageDirectory);
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public string AgentUrl(string sled) => $"http://{_sleds[sled].AgentAddress}:{AgentPort}";

    /// <summary>
    /// Commits the lab to a fleet clone: fleet.yaml, both sleds (site lab, 4 CPUs, 4 GiB, control planes allowed) at
    /// their agents, and network lab on br-lab (10.77.0.0/24, nodes from .100, DNS .1, and the search domain if given).
    /// </summary>
    public void CommitFleet(string clone, string fleet, string? search = null)
    {
        GitTool.CommitFile(clone, "fleet.yaml", $"apiVersion: liquidmetal.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: {fleet}\nspec: {{}}\n", "fleet");
        foreach (var sled in new[] { "sled-a", "sled-b" })
        {
            GitTool.CommitFile(clone, $"hosts/{sled}.yaml", $$"""
                apiVersion: liquidmetal.dev/v1alpha1
                kind: Host
                metadata:
                  name: {{sled}}
                  labels: {liquidmetal.dev/site: lab}
                spec:
                  agent:
                    endpoint: {{AgentUrl(sled)}}
                  failureDomain: {{sled}}
                  capacity: {cpu: 4, memoryMiB: 4096}
                  controlPlaneAllowed: true

                """, sled);
        }

        GitTool.CommitFile(clone, "networks/lab.yaml", """
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Network
            metadata:
              name: lab
            spec:
              hostSelector:
                matchLabels: {liquidmetal.dev/site: lab}
              bridge: br-lab
              ipv4:
                cidr: 10.77.0.0/24
                gateway: 10.77.0.1
                nodeAddresses: [10.77.0.100-10.77.0.150]
              dns:
                servers: [10.77.0.1]

            """ + (search is null ? string.Empty : $"    search: [{search}]\n"), "network");
    }

    /// <summary>Every sled's VM console logs, once <paramref name="done"/> holds for each sled's (or the time is up).</summary>
    public async Task<Dictionary<string, string>> WaitForConsolesAsync(Func<string, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var consoles = _sleds.ToDictionary(s => s.Key, s => s.Value.Consoles(), StringComparer.Ordinal);
            if (consoles.Values.All(done) || clock.Elapsed > timeout)
            {
                return consoles;
            }

            await Task.Delay(1000);
        }
    }

    /// <summary>Each VM's serial console log so far, by VM id, with the sled that runs it.</summary>
    public Dictionary<string, (string Sled, string Console)> VmConsoles() =>
        _sleds.SelectMany(s => s.Value.VmConsoles().Select(vm => (Id: vm.Key, Sled: s.Key, Console: vm.Value)))
            .ToDictionary(vm => vm.Id, vm => (vm.Sled, vm.Console), StringComparer.Ordinal);

    /// <summary>What the agents printed, for a failure message.</summary>
    public string Logs() => string.Join("\n", _sleds.Select(s => $"--- agent {s.Key}:\n{s.Value.Log}\n--- consoles {s.Key}:\n{Tail(s.Value.Consoles(), 3000)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var sled in _sleds.Values)
        {
            await sled.StopAsync();
        }

        // QEMU outlives its agent by design: stop the ones started from this lab's state.
        foreach (var process in Process.GetProcessesByName("qemu-system-x86_64"))
        {
            try
            {
                if (File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(Root, StringComparison.Ordinal))
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        foreach (var sled in _sleds.Values)
        {
            TryIp("netns", "delete", sled.Namespace); // its interfaces go with it, and with them both veth pairs
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void MakeSled(string name, int index)
    {
        var ns = $"lm{_id}n{index}";
        var hostEnd = $"lm{_id}m{index}";
        var sled = new Sled(name, ns, Path.Combine(Root, name), $"10.250.{_subnet}.{(4 * index) + 2}");
        _sleds[name] = sled;
        Ip("netns", "add", ns);
        Ip("-n", ns, "link", "set", "lo", "up");
        Ip("-n", ns, "link", "add", "br-lab", "type", "bridge");
        Ip("-n", ns, "link", "set", "br-lab", "up");
        Ip("link", "add", hostEnd, "type", "veth", "peer", "name", "mgmt0", "netns", ns);
        Ip("addr", "add", $"10.250.{_subnet}.{(4 * index) + 1}/30", "dev", hostEnd);
        Ip("link", "set", hostEnd, "up");
        Ip("-n", ns, "addr", "add", sled.AgentAddress + "/30", "dev", "mgmt0");
        Ip("-n", ns, "link", "set", "mgmt0", "up");
    }

    private static string Tail(string text, int characters) => text.Length <= characters ? text : "…" + text[^characters..];

    private static void Ip(params string[] arguments)
    {
        var (code, error) = Run("ip", arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }

    private static void TryIp(params string[] arguments) => Run("ip", arguments);

    private static (int Code, string Error) Run(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    private sealed class Sled(string name, string ns, string stateDirectory, string agentAddress)
    {
        private readonly StringBuilder _log = new();
        private Process? _agent;

        public string Namespace => ns;

        public string AgentAddress => agentAddress;

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        /// <summary>`ip netns exec NS dotnet liquidmetal.dll agent ...`, waited for until it listens.</summary>
        public async Task StartAgentAsync(string imageDirectory)
        {
            var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "netns", "exec", ns, Environment.ProcessPath ?? "dotnet", Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "agent",
                "--state-dir", stateDirectory, "--listen", $"{agentAddress}:{AgentPort.ToString(CultureInfo.InvariantCulture)}", "--insecure",
                "--host-name", name, "--provider", "qemu", "--accel", "tcg", "--image-dir", imageDirectory, "--cpu", "4", "--memory-mib", "4096",
                "--boot-deadline", "240", // two Debian guests under TCG on two busy cores
            })
            {
                info.ArgumentList.Add(argument);
            }

            _agent = Process.Start(info)!;
            var listening = new TaskCompletionSource();
            _agent.OutputDataReceived += (_, e) => Append(e.Data, listening);
            _agent.ErrorDataReceived += (_, e) => Append(e.Data, null);
            _agent.BeginOutputReadLine();
            _agent.BeginErrorReadLine();
            var exited = _agent.WaitForExitAsync();
            if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
            {
                throw new InvalidOperationException($"the agent of {name} did not start listening: {Log}");
            }
        }

        /// <summary>The serial console logs of every VM this sled's agent ran, one after another.</summary>
        public string Consoles()
        {
            if (!Directory.Exists(stateDirectory))
            {
                return string.Empty;
            }

            var text = new StringBuilder();
            foreach (var file in Directory.EnumerateFiles(stateDirectory, "console.log", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                text.Append(Read(file));
            }

            return text.ToString();
        }

        /// <summary>The serial console log of each VM this sled's agent ran, by VM id (its folder under vms/).</summary>
        public Dictionary<string, string> VmConsoles()
        {
            var vms = Path.Combine(stateDirectory, "vms");
            return Directory.Exists(vms)
                ? Directory.EnumerateDirectories(vms).Where(d => File.Exists(Path.Combine(d, "console.log")))
                    .ToDictionary(d => Path.GetFileName(d), d => Read(Path.Combine(d, "console.log")), StringComparer.Ordinal)
                : [];
        }

        public async Task StopAsync()
        {
            if (_agent is { HasExited: false })
            {
                _agent.Kill();
                await _agent.WaitForExitAsync();
            }

            _agent?.Dispose();
        }

        private static string Read(string file)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        private void Append(string? line, TaskCompletionSource? listening)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.AppendLine(line);
            }

            if (listening is not null && line.Contains(" listening on ", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }
    }
}
