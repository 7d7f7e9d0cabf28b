using System.Text.Json;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Persistence;

/// <summary>Resyncs are saved after the answer; that must never put an older desired state back on disk.</summary>
public sealed class ResyncPersistenceTests
{
    [Fact]
    public async Task Apply_ResyncsThenAChange_DiskEndsWithTheChange()
    {
        using var state = new TempStateDirectory();
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = state.Path,
            Provider = ProviderKind.Sim,
            ImageDirectories = ["/images"],
        });

        var generation = 0L;
        for (var round = 0; round < 30; round++)
        {
            var vms = new[] { TestSpecs.Vm($"vm-{round}") };
            await core.ApplyAsync(TestSpecs.Desired(++generation, vms));
            for (var i = 0; i < 5; i++)
            {
                await core.ApplyAsync(TestSpecs.Desired(++generation, vms)); // resyncs: written in the background
            }

            var changed = TestSpecs.Desired(++generation, TestSpecs.Vm($"vm-{round}-next"));
            await core.ApplyAsync(changed); // durable before it returns

            var onDisk = JsonSerializer.Deserialize<HostDesiredState>(await File.ReadAllBytesAsync(Path.Combine(core.StateDirectory, "desired.json")), StateJson.Options)!;
            Assert.True(onDisk.Generation >= changed.Generation, $"round {round}: disk holds generation {onDisk.Generation}, applied {changed.Generation}");
            Assert.Equal($"vm-{round}-next", Assert.Single(onDisk.Vms).Id);
        }
    }
}

/// <summary>A caller that goes away before or during an Apply leaves the agent whole: all of the change or none.</summary>
public sealed class ApplyCancellationTests
{
    [Fact]
    public async Task Apply_CallerGoneBeforeItIsAccepted_NothingChanges_AfterwardsEverythingStarts()
    {
        using var state = new TempStateDirectory();
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = state.Path,
            Provider = ProviderKind.Sim,
            Sim = new() { BootDelay = TimeSpan.FromMilliseconds(20) },
            ImageDirectories = ["/images"],
        });
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("vm-a")), gone.Token));
        Assert.Equal(0, core.GetStatus().ObservedGeneration);
        Assert.Empty(core.GetStatus().Vms);

        // Many applies each abandoned right after it is sent: whatever was accepted runs.
        for (var generation = 1; generation <= 20; generation++)
        {
            using var impatient = new CancellationTokenSource();
            var apply = core.ApplyAsync(TestSpecs.Desired(generation, TestSpecs.Vm($"vm-{generation}")), impatient.Token);
            await impatient.CancelAsync();
            try
            {
                await apply;
            }
            catch (OperationCanceledException)
            {
                // Not accepted: fine, as long as nothing was half-made.
            }
        }

        var last = core.GetStatus().ObservedGeneration;
        var status = await core.WaitForAsync(s => s.Vms.Length == 1 && s.Vms[0].State == VmState.Running, TimeSpan.FromSeconds(10));
        Assert.Equal($"vm-{last}", status.Vms[0].Id);
    }
}
