using System.Diagnostics;
using System.Globalization;
using LiquidMetal.Agent.Api;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Bench;

/// <summary>
/// The host agent's benchmarks (issue 3): (a) Apply-to-Running against a bare boot of the same QEMU command,
/// (b) GetStatus and Apply latency with 100 simulated VMs, (c) the agent's memory with 100 VMs.
/// </summary>
internal static class AgentBenchmarks
{
    /// <summary>(b) and (c): the sim provider, so only the agent and its gRPC path are measured.</summary>
    public static async Task<int> LatencyAsync(string cli, int vms, int calls)
    {
        var state = Directory.CreateTempSubdirectory("lm-bench-").FullName;
        try
        {
            await using var agent = await AgentProcess.StartAsync(cli, "--state-dir", state, "--listen", "127.0.0.1:0", "--provider", "sim",
                "--image-dir", "/images", "--cpu", "1024", "--memory-mib", "1048576", "--host-name", "bench");
            using var channel = AgentChannel.Create(agent.Address);
            var client = new Wire.HostAgent.HostAgentClient(channel);
            var (_, peakBefore) = agent.Memory();
            await client.ApplyAsync(Spec(1, vms));
            await WaitAsync(client, s => s.Vms.Count == vms && s.Vms.All(v => v.State == Wire.VmState.Running), TimeSpan.FromSeconds(60));

            // Warm-up to the agent's steady state: the connection, and the JIT's tiers (methods called 30 times are
            // recompiled optimized in the background, after a pause in new compilations; on 2 cores that background
            // work otherwise lands in the measured calls' tail).
            await WarmUpAsync(() => client.GetStatusAsync(new Wire.GetStatusRequest()).ResponseAsync);

            var status = new List<double>(calls);
            for (var i = 0; i < calls; i++)
            {
                var clock = Stopwatch.StartNew();
                await client.GetStatusAsync(new Wire.GetStatusRequest());
                status.Add(clock.Elapsed.TotalMilliseconds);
            }

            // A resync: the same VMs under a new generation (what a reconciler sends most of the time).
            var apply = new List<double>(calls);
            var generation = 1L;
            await WarmUpAsync(() => client.ApplyAsync(Spec(++generation, vms)));

            for (var i = 0; i < calls; i++)
            {
                var spec = Spec(++generation, vms);
                var clock = Stopwatch.StartNew();
                await client.ApplyAsync(spec);
                apply.Add(clock.Elapsed.TotalMilliseconds);
            }

            // A change: one VM's spec differs each time (it is replaced), so the new state is flushed durably.
            var change = new List<double>(calls / 4);
            for (var i = 0; i < calls / 4; i++)
            {
                var spec = Spec(++generation, vms);
                spec.Microvms[0].Hash += i % 2 == 0 ? "-a" : "-b";
                var clock = Stopwatch.StartNew();
                await client.ApplyAsync(spec);
                change.Add(clock.Elapsed.TotalMilliseconds);
            }

            var (rss, peak) = agent.Memory();
            Console.WriteLine($"sim provider, {vms} VMs, {calls} sequential calls each over one h2c connection on loopback:");
            Console.WriteLine($"  GetStatus  p50 {Percentile(status, 50):0.00} ms  p99 {Percentile(status, 99):0.00} ms  max {status.Max():0.00} ms");
            Console.WriteLine($"  Apply      p50 {Percentile(apply, 50):0.00} ms  p99 {Percentile(apply, 99):0.00} ms  max {apply.Max():0.00} ms  (resync: whole desired state, {vms} VMs, new generation each)");
            Console.WriteLine($"  Apply      p50 {Percentile(change, 50):0.00} ms  p99 {Percentile(change, 99):0.00} ms  max {change.Max():0.00} ms  (a change: one VM replaced each time, {change.Count} calls; flushed to disk)");
            Console.WriteLine($"  agent memory with {vms} VMs: RSS {rss} MiB, peak {peak} MiB (at start: {peakBefore} MiB)");
            return Percentile(status, 99) < 5 && Percentile(apply, 99) < 5 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// (a) The same guest, the same QEMU command line: once through the agent (Apply until Watch says Running),
    /// once started by hand (spawn until the ready marker is in the console log). Alternated, so both see the same machine.
    /// </summary>
    public static async Task<int> BootAsync(string cli, string kernel, string initrd, int rounds)
    {
        var root = Path.Combine("/tmp", "lm-boot-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var imageDirectory = Path.GetDirectoryName(kernel)!;
        var viaAgent = new List<double>();
        var byHand = new List<double>();
        try
        {
            await using var agent = await AgentProcess.StartAsync(cli, "--state-dir", Path.Combine(root, "s"), "--listen", "127.0.0.1:0", "--provider", "qemu",
                "--accel", "tcg", "--image-dir", imageDirectory, "--host-name", "bench");
            using var channel = AgentChannel.Create(agent.Address);
            var client = new Wire.HostAgent.HostAgentClient(channel);
            var generation = 0L;
            for (var round = 0; round < rounds + 1; round++)
            {
                var id = $"boot-{round}";
                var vm = new Wire.MicroVmSpec { Id = id, Vcpu = 1, MemoryMib = 256, Kernel = kernel, Initrd = initrd, UserData = "#cloud-config\nhostname: " + id + "\n", Hash = "sha256:" + id };
                var clock = Stopwatch.StartNew();
                await client.ApplyAsync(new Wire.HostSpec { Generation = ++generation, Microvms = { vm } });
                await WaitAsync(client, s => s.Vms.Any(v => v.Id == id && v.State == Wire.VmState.Running), TimeSpan.FromSeconds(120));
                var agentTime = clock.Elapsed.TotalMilliseconds;

                // The command the agent ran, to run again by hand in a fresh folder.
                var pid = FindQemu(root, id);
                var command = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var vmDirectory = command.Select(a => a.Split("file=", 2)).Where(p => p.Length == 2 && p[1].EndsWith("/user-data", StringComparison.Ordinal)).Select(p => Path.GetDirectoryName(p[1].Split(',')[0])!).First();
                var userData = File.ReadAllText(Path.Combine(vmDirectory, "user-data"));
                await client.ApplyAsync(new Wire.HostSpec { Generation = ++generation });
                await WaitAsync(client, s => s.Vms.Count == 0, TimeSpan.FromSeconds(60));

                var handDirectory = Path.Combine(root, "h" + round);
                Directory.CreateDirectory(handDirectory);
                File.WriteAllText(Path.Combine(handDirectory, "user-data"), userData);
                var handTime = await BootByHandAsync(command.Select(a => a.Replace(vmDirectory, handDirectory, StringComparison.Ordinal)).ToArray(), handDirectory, id);
                if (round > 0)
                {
                    viaAgent.Add(agentTime); // round 0 warms the agent's code paths and the page cache
                    byHand.Add(handTime);
                }
            }
        }
        finally
        {
            foreach (var process in Process.GetProcessesByName("qemu-system-x86_64"))
            {
                if (File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(root, StringComparison.Ordinal))
                {
                    process.Kill();
                }
            }

            Directory.Delete(root, recursive: true);
        }

        var agentMedian = Percentile(viaAgent, 50);
        var handMedian = Percentile(byHand, 50);
        var overhead = (agentMedian - handMedian) / handMedian * 100;
        Console.WriteLine($"qemu tcg, 1 vCPU, 256 MiB, the same command line; median of {rounds} alternating rounds:");
        Console.WriteLine($"  by hand (spawn to ready marker):        {handMedian:0} ms   [{string.Join(", ", byHand.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"  through the agent (Apply to Running):   {agentMedian:0} ms   [{string.Join(", ", viaAgent.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"  agent overhead: {agentMedian - handMedian:0} ms = {overhead:0.0}% of the boot (target under 10%)");
        return overhead < 10 ? 0 : 1;
    }

    private static async Task<double> BootByHandAsync(string[] command, string directory, string id)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        var log = command.Select(a => a.Split("logfile=", 2)).Where(p => p.Length == 2).Select(p => p[1].Split(',')[0]).First();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                if (File.Exists(log) && File.ReadAllText(log).Contains("LIQUIDMETAL-READY id=" + id, StringComparison.Ordinal))
                {
                    return clock.Elapsed.TotalMilliseconds;
                }

                await Task.Delay(5);
            }

            throw new TimeoutException($"the guest started by hand in {directory} printed no ready marker");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private static int FindQemu(string marker, string id) =>
        Process.GetProcessesByName("qemu-system-x86_64")
            .Select(p => p.Id)
            .First(pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker, StringComparison.Ordinal) && File.ReadAllText($"/proc/{pid}/cmdline").Contains("guest=" + id + ",", StringComparison.Ordinal));

    private static Wire.HostSpec Spec(long generation, int vms)
    {
        var spec = new Wire.HostSpec { Host = "bench", Generation = generation };
        for (var i = 0; i < vms; i++)
        {
            spec.Microvms.Add(new Wire.MicroVmSpec
            {
                Id = $"bench-w-{i}",
                Cluster = "bench",
                Role = "worker",
                Vcpu = 2,
                MemoryMib = 4096,
                Kernel = "/images/vmlinuz",
                Initrd = "/images/initrd",
                UserData = "#cloud-config\nhostname: bench-w-" + i + "\n",
                Hash = "sha256:bench-" + i,
            });
        }

        return spec;
    }

    /// <summary>Calls <paramref name="call"/> 300 times, pauses a second for the background JIT, and calls it 300 times more.</summary>
    private static async Task WarmUpAsync(Func<Task> call)
    {
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 300; i++)
            {
                await call();
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task WaitAsync(Wire.HostAgent.HostAgentClient client, Func<Wire.HostStatus, bool> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await foreach (var status in client.WatchAsync(cancel.Token))
        {
            if (condition(status))
            {
                return;
            }
        }
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
