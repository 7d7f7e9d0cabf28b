using System.Diagnostics;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Tests.Infrastructure;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>
/// The shipped executable end to end: `liquidmetal agent` serving gRPC, a real QEMU guest booted through Apply,
/// the agent killed with SIGKILL and started again (the VM is re-adopted, never doubled), then stopped with SIGTERM.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class AgentExecutableTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [QemuFact]
    public async Task Executable_ApplyKillRestartTerminate_VmBootsOnceAndSurvivesEverything()
    {
        var guest = GuestImage.Get();
        var vm = new Wire.MicroVmSpec
        {
            Id = "cluster-a-cp-1",
            Cluster = "cluster-a",
            Role = "control-plane",
            Vcpu = 1,
            MemoryMib = 256,
            Kernel = guest.Kernel,
            Initrd = guest.Initrd,
            UserData = "#cloud-config\nhostname: cluster-a-cp-1\n",
            Hash = "sha256:e2e",
        };
        var spec = new Wire.HostSpec { Host = "sled-1", Generation = 1, SpecHash = "sha256:host-e2e", Microvms = { vm } };

        int qemuPid;
        await using (var first = await AgentProcess.StartAsync(_dir.Path, guest.Directory))
        {
            using var channel = AgentChannel.Create(first.Address);
            var client = new Wire.HostAgent.HostAgentClient(channel);
            await client.ApplyAsync(spec);
            var running = await WaitForAsync(client, s => s.Vms.Count == 1 && s.Vms[0].State == Wire.VmState.Running, TimeSpan.FromSeconds(60));
            Assert.Equal("sha256:host-e2e", running.SpecHash);
            Assert.Equal("sha256:e2e", running.Vms[0].Hash);
            qemuPid = Assert.Single(Vmms()).Pid;

            first.Kill(); // SIGKILL: the agent gets no chance to clean up
        }

        Assert.NotNull(ProcFs.StartTime(qemuPid));
        await using (var second = await AgentProcess.StartAsync(_dir.Path, guest.Directory))
        {
            using var channel = AgentChannel.Create(second.Address);
            var client = new Wire.HostAgent.HostAgentClient(channel);
            var status = await WaitForAsync(client, s => s.Vms.Count == 1 && s.Vms[0].State == Wire.VmState.Running, TimeSpan.FromSeconds(30));
            Assert.Equal(1, status.ObservedGeneration);
            Assert.Equal(0, status.Vms[0].Restarts);
            Assert.Equal(qemuPid, Assert.Single(Vmms()).Pid);

            // Applying the same state again is a no-op: no second VMM, no restart.
            await client.ApplyAsync(spec);
            Assert.Equal(qemuPid, Assert.Single(Vmms()).Pid);

            var (code, output) = await second.TerminateAsync();
            Assert.True(code == 0, $"exit code {code}; output: {output}");
            Assert.Contains("stopping; its VMs keep running", output);
        }

        Assert.NotNull(ProcFs.StartTime(qemuPid));
    }

    private IReadOnlyList<(int Pid, ulong StartTime)> Vmms() => ProcFs.FindVmm("qemu-system-x86_64", [_dir.Path + "/"]);

    private static async Task<Wire.HostStatus> WaitForAsync(Wire.HostAgent.HostAgentClient client, Func<Wire.HostStatus, bool> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        Wire.HostStatus? last = null;
        try
        {
            await foreach (var status in client.WatchAsync(cancel.Token))
            {
                last = status;
                if (condition(status))
                {
                    return status;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // reported below
        }

        throw new TimeoutException($"not reached within {timeout}; last status: {last}");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>`dotnet liquidmetal.dll agent ...` with its stdout read until it says where it listens.</summary>
    private sealed class AgentProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;
        private readonly System.Text.StringBuilder _stdout = new();

        private AgentProcess(Process process, Uri address)
        {
            _process = process;
            Address = address;
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public Uri Address { get; }

        public static async Task<AgentProcess> StartAsync(string stateDirectory, string imageDirectory)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "agent",
                "--state-dir", stateDirectory, "--listen", "127.0.0.1:0", "--host-name", "sled-1",
                "--provider", "qemu", "--accel", "tcg", "--image-dir", imageDirectory, "--cpu", "4", "--memory-mib", "4096",
            })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var at = line.IndexOf(" listening on ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    var url = line[(at + " listening on ".Length)..].Split(' ')[0];
                    return new AgentProcess(process, new Uri(url));
                }
            }

            process.Kill();
            throw new InvalidOperationException("the agent exited before listening: " + await process.StandardError.ReadToEndAsync());
        }

        public void Kill() => _process.Kill();

        public async Task<(int Code, string Output)> TerminateAsync()
        {
            Native.kill(_process.Id, 15);
            var rest = await _process.StandardOutput.ReadToEndAsync();
            await _process.WaitForExitAsync();
            return (_process.ExitCode, rest + await _stderr);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
