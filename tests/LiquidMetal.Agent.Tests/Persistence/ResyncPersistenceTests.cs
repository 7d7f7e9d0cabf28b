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
