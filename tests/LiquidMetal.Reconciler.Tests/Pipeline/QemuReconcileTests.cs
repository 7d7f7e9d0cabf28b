using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Service;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>Git to a real QEMU microVM: one host, one single-node cluster booting the test guest image.</summary>
public sealed class QemuReconcileTests
{
    [QemuFact]
    public async Task Reconcile_OneRealGuest_PushToRunning()
    {
        var (kernel, initrd) = GuestImage();
        using var daemon = new GitDaemonFixture();
        var state = Path.Combine("/tmp", "lm-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            await RunAsync(daemon, state, kernel, initrd);
        }
        finally
        {
            foreach (var process in Process.GetProcessesByName("qemu-system-x86_64"))
            {
                if (File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(state, StringComparison.Ordinal))
                {
                    process.Kill();
                    process.WaitForExit();
                }
            }

            // The agent's taps are persistent (they outlive VMMs on purpose) and marked with its state folder.
            foreach (var alias in Directory.EnumerateFiles("/sys/class/net", "ifalias", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }))
            {
                if (File.ReadAllText(alias).Contains("state=" + state + "/", StringComparison.Ordinal))
                {
                    Process.Start("ip", ["link", "delete", Path.GetFileName(Path.GetDirectoryName(alias))!]).WaitForExit();
                }
            }

            Directory.Delete(state, recursive: true);
        }
    }

    private static async Task RunAsync(GitDaemonFixture daemon, string state, string kernel, string initrd)
    {
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = Path.Combine(state, "a"),
            Provider = ProviderKind.Qemu,
            Qemu = new QemuOptions { Accel = QemuAccel.Tcg },
            ImageDirectories = [Path.GetDirectoryName(kernel)!],
            CpuCapacity = 4,
            MemoryCapacityMiB = 4096,
            HostName = "edge-1",
        });
        await using var agent = await AgentServer.StartAsync(core, "edge-1", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        try
        {
            var url = daemon.CreateRepository("fleet");
            var clone = GitTool.Clone(url);
            GitTool.CommitFile(clone, "fleet.yaml", "apiVersion: liquidmetal.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: qemu-test\nspec: {}\n", "fleet");
            GitTool.CommitFile(clone, "hosts/edge-1.yaml", $$"""
                apiVersion: liquidmetal.dev/v1alpha1
                kind: Host
                metadata:
                  name: edge-1
                spec:
                  agent:
                    endpoint: {{agent.Address.ToString().TrimEnd('/')}}
                  failureDomain: edge-1
                  capacity: {cpu: 4, memoryMiB: 4096}
                  controlPlaneAllowed: true

                """, "host");
            GitTool.CommitFile(clone, "clusters/tiny.yaml", $$$"""
                apiVersion: liquidmetal.dev/v1alpha1
                kind: Cluster
                metadata:
                  name: tiny
                spec:
                  kubernetes: {version: v1.31.2}
                  controlPlane: {replicas: 1, vcpu: 1, memoryMiB: 256, endpoint: "https://10.0.0.1:6443"}
                  image: {kernel: {{{kernel}}}, initrd: {{{initrd}}}}
                  bootstrap:
                    userData: |
                      hostname: {{ node.name }}

                """, "cluster");
            GitTool.Run(clone, "push", "--quiet", "origin", "main");

            await using var reconciler = await ReconcilePass.OpenAsync(new ReconcilerOptions { RepositoryUrl = url, MirrorPath = Path.Combine(state, "m.git") });
            var clock = Stopwatch.StartNew();
            ReconcileResult result;
            do
            {
                result = await reconciler.RunAsync();
                await Task.Delay(50);
            }
            while (!result.Converged && result.Valid && clock.Elapsed < TimeSpan.FromSeconds(90));

            Assert.True(result.Converged, string.Join("\n", result.Errors) + " " + System.Text.Json.JsonSerializer.Serialize(core.GetStatus()));
            var vm = Assert.Single(core.GetStatus().Vms);
            Assert.Equal("tiny-cp-1", vm.Id);
            Assert.Contains("user-data intact", vm.Reason, StringComparison.Ordinal); // the guest read the rendered user-data
            Directory.Delete(clone, recursive: true);
        }
        finally
        {
            await core.ApplyAsync(new Agent.Core.HostDesiredState { Generation = core.GetStatus().ObservedGeneration + 1 });
        }
    }

    /// <summary>The guest image scripts/guest-image/build.sh makes (built on first use, cached after).</summary>
    private static (string Kernel, string Initrd) GuestImage([CallerFilePath] string source = "")
    {
        var script = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "scripts", "guest-image", "build.sh"));
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var paths = output.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        return (paths["kernel"], paths["initrd"]);
    }
}

/// <summary>A fact that boots a real QEMU guest; skipped, saying why, where QEMU is not installed.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, "qemu-system-x86_64")));
        if (!found)
        {
            Skip = "qemu-system-x86_64 is not installed: run scripts/install-test-deps.sh";
        }
    }
}
