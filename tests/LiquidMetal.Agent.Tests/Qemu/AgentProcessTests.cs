using System.Diagnostics;
using System.Text.Json;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>A real agent process (this assembly's agent-host mode) killed with SIGKILL, and a new agent taking over.</summary>
[Collection(QemuCollection.Name)]
public sealed class AgentProcessTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [QemuFact]
    public async Task AgentKilled_NewAgentReadoptsRunningVmAndRecreatesTheDeadOne()
    {
        var options = QemuAgent.Options(_dir);
        var desiredPath = Path.Combine(_dir.Path, "desired.json");
        await File.WriteAllBytesAsync(desiredPath, JsonSerializer.SerializeToUtf8Bytes(
            TestSpecs.Desired(1, TestSpecs.GuestVm("vm-a", "a"), TestSpecs.GuestVm("vm-b", "b")), StateJson.Options));

        var pids = await RunAgentUntilRunningThenKillAsync(options.StateDirectory, desiredPath, GuestImage.Get().Directory, ["vm-a", "vm-b"]);

        // VMMs outlive their agent.
        Assert.NotNull(ProcFs.StartTime(pids["vm-a"]));
        Assert.NotNull(ProcFs.StartTime(pids["vm-b"]));
        Native.kill(pids["vm-b"], Native.SigKill);
        await WaitUntilAsync(() => ProcFs.StartTime(pids["vm-b"]) is null);

        // The new agent records vm-b Failed before its first status, then restarts it at once: on a busy machine the
        // restart can come before this test's watch starts, so the Failed status (and its reason) may never be seen.
        // The reason is checked whenever it is; the restart itself always.
        await using var core = await HostAgentCore.StartAsync(options);
        var sawGone = core.WaitForAsync(s => s.Has("vm-b", VmState.Failed), TimeSpan.FromSeconds(10));
        var status = await core.WaitForAsync(s => s.Has("vm-a", VmState.Running) && s.Has("vm-b", VmState.Running), TimeSpan.FromSeconds(60));

        Assert.Equal(pids["vm-a"], QemuVmTests.Pid(status.Vm("vm-a")));
        Assert.Equal(0, status.Vm("vm-a").Restarts);
        Assert.Single(ProcFs.FindVmm("qemu-system-x86_64", [QemuAgent.VmDirectory(_dir, "vm-a") + "/"]));
        Assert.NotEqual(pids["vm-b"], QemuVmTests.Pid(status.Vm("vm-b")));
        Assert.Equal(1, status.Vm("vm-b").Restarts);
        var gone = await Task.WhenAny(sawGone);
        if (gone.IsCompletedSuccessfully)
        {
            Assert.Contains($"VMM (pid {pids["vm-b"]}) was gone when the agent started", gone.Result.Vm("vm-b").Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.IsType<TimeoutException>(gone.Exception?.InnerException); // missed, not failed otherwise
        }
    }

    private static async Task<Dictionary<string, int>> RunAgentUntilRunningThenKillAsync(string stateDirectory, string desiredPath, string imageDirectory, string[] vmIds)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(TestHost.Program).Assembly.Location, "agent-host", stateDirectory, desiredPath, imageDirectory })
        {
            info.ArgumentList.Add(argument);
        }

        using var agent = Process.Start(info)!;
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (await agent.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var states = line.Split(' ').Skip(1).Select(p => p.Split('=', ':')).ToDictionary(p => p[0], p => (State: p[1], Pid: p[2]));
                if (vmIds.All(id => states.TryGetValue(id, out var s) && s.State == nameof(VmState.Running)))
                {
                    return vmIds.ToDictionary(id => id, id => int.Parse(states[id].Pid, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            throw new InvalidOperationException("the agent process ended early: " + await stderr);
        }
        finally
        {
            agent.Kill(); // SIGKILL: no cleanup of any kind runs in the agent.
            await agent.WaitForExitAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "condition never held");
    }

    public void Dispose() => _dir.Dispose();
}
