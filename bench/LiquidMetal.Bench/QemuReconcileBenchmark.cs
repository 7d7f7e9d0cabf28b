using System.Diagnostics;
using System.Net;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Service;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Bench;

/// <summary>
/// Push to Running with a real QEMU guest (issue 4): a one-host fleet in a real Git repository, a real agent with the
/// qemu provider, the reconciler as a service (its loop, woken by a signed push webhook); compared with the guest's own boot in the same run (from its VMM's start to
/// its ready marker, as the agent timed it).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class QemuReconcileBenchmark
{
    public static async Task<int> RunAsync(string kernel, string initrd, int rounds)
    {
        var ratios = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var root = Path.Combine("/tmp", "lm-qb-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                ratios.Add(await RoundAsync(root, kernel, initrd, round));
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
        }

        var median = ratios.Order().ElementAt((ratios.Count - 1) / 2);
        Console.WriteLine($"push to Running over the guest's own boot: median {median:0.00}x (target under 1.2x)");
        return median < 1.2 ? 0 : 1;
    }

    private static async Task<double> RoundAsync(string root, string kernel, string initrd, int round)
    {
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = Path.Combine(root, "a"),
            Provider = ProviderKind.Qemu,
            Qemu = new QemuOptions { Accel = QemuAccel.Tcg },
            ImageDirectories = [Path.GetDirectoryName(kernel)!],
            CpuCapacity = 4,
            MemoryCapacityMiB = 4096,
            HostName = "edge-1",
        });
        await using var agent = await AgentServer.StartAsync(core, "edge-1", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        var bare = Path.Combine(root, "fleet.git");
        var clone = Path.Combine(root, "clone");
        BenchGit.Run(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
        BenchGit.Run(root, "init", "--quiet", "--initial-branch=main", clone);
        Write(clone, "fleet.yaml", "apiVersion: liquidmetal.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: qemu-bench\nspec: {}\n");
        Write(clone, "hosts/edge-1.yaml", $"apiVersion: liquidmetal.dev/v1alpha1\nkind: Host\nmetadata:\n  name: edge-1\nspec:\n  agent:\n    endpoint: {agent.Address.ToString().TrimEnd('/')}\n  failureDomain: edge-1\n  capacity: {{cpu: 4, memoryMiB: 4096}}\n  controlPlaneAllowed: true\n");
        BenchGit.Run(clone, "add", "-A");
        BenchGit.Run(clone, "commit", "--quiet", "-m", "host");
        BenchGit.Run(clone, "remote", "add", "origin", bare);
        BenchGit.Run(clone, "push", "--quiet", "origin", "main");

        await using var reconciler = await ReconcilePass.OpenAsync(new ReconcilerOptions { RepositoryUrl = bare, MirrorPath = Path.Combine(root, "m.git") });
        await reconciler.RunAsync(); // warm: the fleet without the cluster

        Write(clone, "clusters/tiny.yaml", $"apiVersion: liquidmetal.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: tiny\nspec:\n  kubernetes: {{version: v1.31.2}}\n  controlPlane: {{replicas: 1, vcpu: 1, memoryMiB: 256, endpoint: \"https://10.0.0.1:6443\"}}\n  image: {{kernel: {kernel}, initrd: {initrd}}}\n");
        BenchGit.Run(clone, "add", "-A");
        BenchGit.Run(clone, "commit", "--quiet", "-m", "a cluster");
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var loop = await BenchWebhook.StartLoopAsync(reconciler, secret);
        var clock = Stopwatch.StartNew();
        BenchGit.Run(clone, "push", "--quiet", "origin", "main");
        var head = BenchGit.Run(clone, "rev-parse", "HEAD").Trim();
        await BenchWebhook.PostPushAsync(loop, secret, head);
        DateTimeOffset? creating = null;
        var converged = await BenchWebhook.ConvergedAsync(loop, head, TimeSpan.FromSeconds(120), () =>
        {
            if (core.GetStatus().Vms.FirstOrDefault() is { State: VmState.Creating } vm)
            {
                creating = vm.Since;
            }
        });
        if (!converged)
        {
            throw new TimeoutException("the cluster did not converge within 120 s");
        }

        var pushToRunning = clock.Elapsed;
        var running = core.GetStatus().Vms.Single();
        var boot = running.Since - (creating ?? running.Since);
        var ratio = pushToRunning / boot;
        Console.WriteLine($"round {round}: push to Running {pushToRunning.TotalMilliseconds:0} ms; guest boot (VMM start to ready marker) {boot.TotalMilliseconds:0} ms; {ratio:0.00}x");
        return ratio;
    }

    private static void Write(string clone, string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(clone, path))!);
        File.WriteAllText(Path.Combine(clone, path), text);
    }
}
