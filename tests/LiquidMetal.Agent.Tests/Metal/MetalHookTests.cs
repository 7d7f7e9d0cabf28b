using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Metal;

public sealed class MetalHookTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task Apply_MetalAssignment_BootstrapHookRunsOnceWithUserDataOnStdin()
    {
        var bootstrap = Script("bootstrap.sh", "cat > \"$0.stdin\"; echo \"$LIQUIDMETAL_NODE $LIQUIDMETAL_CLUSTER\" >> \"$0.runs\"; echo all good >&2");
        await using (var core = await StartAsync(bootstrap))
        {
            await core.ApplyAsync(new HostDesiredState { Generation = 1, Metal = Assignment("h1") });
            var metal = (await core.WaitForAsync(s => s.Metal?.State == MetalState.Succeeded, Wait)).Metal!;

            Assert.Equal(0, metal.ExitCode);
            Assert.Equal("all good", metal.StderrTail);
            Assert.Equal("#cloud-config\nrole: metal\n", await File.ReadAllTextAsync(bootstrap + ".stdin"));
        }

        // A restarted agent must not bootstrap the same assignment again.
        await using (var restarted = await StartAsync(bootstrap))
        {
            await restarted.ApplyAsync(new HostDesiredState { Generation = 2, Metal = Assignment("h1") });
            await Task.Delay(300);

            Assert.Equal(MetalState.Succeeded, restarted.GetStatus().Metal!.State);
        }

        Assert.Equal(["node-1 cluster-a"], await File.ReadAllLinesAsync(bootstrap + ".runs"));
    }

    [Fact]
    public async Task Apply_BootstrapHookFails_FailedWithExitCodeAndStderr()
    {
        var bootstrap = Script("bootstrap.sh", "echo disk not found >&2; exit 3");
        await using var core = await StartAsync(bootstrap);

        await core.ApplyAsync(new HostDesiredState { Generation = 1, Metal = Assignment("h1") });
        var metal = (await core.WaitForAsync(s => s.Metal?.State == MetalState.Failed, Wait)).Metal!;

        Assert.Equal(3, metal.ExitCode);
        Assert.Equal("disk not found", metal.StderrTail);
        Assert.Contains("exit code 3", metal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_AssignmentReleased_ResetHookRuns()
    {
        var bootstrap = Script("bootstrap.sh", "exit 0");
        var reset = Script("reset.sh", "echo \"$LIQUIDMETAL_ASSIGNMENT_HASH\" > \"$0.ran\"");
        await using var core = await StartAsync(bootstrap, reset);
        await core.ApplyAsync(new HostDesiredState { Generation = 1, Metal = Assignment("h1") });
        await core.WaitForAsync(s => s.Metal?.State == MetalState.Succeeded, Wait);

        await core.ApplyAsync(new HostDesiredState { Generation = 2 });
        await core.WaitForAsync(s => s.Metal is null, Wait);

        Assert.Equal("h1", (await File.ReadAllTextAsync(reset + ".ran")).Trim());
    }

    [Fact]
    public async Task Start_FirstSaveFails_SupervisionGoesOnAndBootstraps()
    {
        var bootstrap = Script("bootstrap.sh", "exit 0");
        var saves = 0;
        Task Changed() =>
            Interlocked.Increment(ref saves) == 1 ? Task.FromException(new IOException("disk full")) : Task.CompletedTask;
        await using var metal = new LiquidMetal.Agent.Metal.MetalSupervisor(
            null, new LiquidMetal.Agent.Metal.MetalHooks(bootstrap, null, TimeSpan.FromSeconds(10)), Changed, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "h1");
        metal.SetDesired(Assignment("h1"));

        metal.Start();
        var deadline = DateTime.UtcNow + Wait;
        while (metal.Record?.State != MetalState.Succeeded && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(MetalState.Succeeded, metal.Record?.State);
    }

    private static MetalAssignment Assignment(string hash) => new()
    {
        Node = "node-1",
        Cluster = "cluster-a",
        Hash = hash,
        UserData = "#cloud-config\nrole: metal\n",
    };

    private string Script(string name, string body)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private Task<HostAgentCore> StartAsync(string bootstrap, string? reset = null) => HostAgentCore.StartAsync(new HostAgentOptions
    {
        StateDirectory = Path.Combine(_dir.Path, "state"),
        Provider = ProviderKind.Sim,
        BootstrapHook = bootstrap,
        ResetHook = reset,
    });

    public void Dispose() => _dir.Dispose();
}
