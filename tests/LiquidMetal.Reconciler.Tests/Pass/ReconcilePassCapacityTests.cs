using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>
/// Agents that offer less than the fleet declares (fleet-example's sleds: 32 vCPU and 98304 MiB each): the host's
/// CapacityMatches condition in status/hosts, and its agreement with what the agent refuses (the fakes refuse an Apply
/// as a real agent does: when its VMs need more memory together than the agent offers; never for CPU).
/// </summary>
public sealed class ReconcilePassCapacityTests
{
    [Fact]
    public async Task RunAsync_AgentOffersWhatIsDeclared_ConditionTrueAndItsTimeKept()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var first = Capacity(fleet, "sled-1");

        fleet.Clock.Advance(TimeSpan.FromHours(1));
        var again = await pass.RunAsync();

        Assert.True(first.Status);
        Assert.Equal(CapacityCondition.AgentOffersEnough, first.Reason);
        Assert.Equal("the agent offers 32 vCPU and 98304 MiB; the fleet declares 32 vCPU and 98304 MiB", first.Message);
        Assert.Null(again.StatusCommit); // nothing changed, so neither did the condition's time
        Assert.Equal(first, Capacity(fleet, "sled-1"));
    }

    [Fact]
    public async Task RunAsync_AgentOffersLessMemoryThanTheVmsNeed_RefusedAndFlaggedWithTheSameFigures()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-1"].Capacity = new Resources(32, 16384);
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converging, result.Outcome);
        var host = Host(fleet, "sled-1");
        Assert.False(host.Reachable);
        Assert.Equal("agent refused: InvalidArgument: desired state refused: the VMs need 24576 MiB of memory together but the host offers 16384 MiB; memory is never overcommitted", host.Error);
        Assert.Equal(new Resources(32, 16384), host.Capacity); // what the agent offers, though it refused
        var condition = Assert.Single(host.Conditions);
        Assert.Equal((CapacityCondition.Type, false, CapacityCondition.AgentOffersLess), (condition.Type, condition.Status, condition.Reason));
        Assert.Equal("the agent offers 32 vCPU and 16384 MiB; the fleet declares 32 vCPU and 98304 MiB; the VMs placed here need 24576 MiB together, more than it offers: it refuses such a spec", condition.Message);
        Assert.Contains("reason: AgentOffersLess", fleet.Status.File("status/hosts/sled-1.yaml"));
    }

    [Fact]
    public async Task RunAsync_AgentOffersFewerCpusThanDeclared_FlaggedButApplied()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-2"].Capacity = new Resources(8, 98304);
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome); // vCPUs are shared: nothing refused, everything runs
        Assert.Equal(12, fleet.RunningVms);
        var condition = Capacity(fleet, "sled-2");
        Assert.False(condition.Status);
        Assert.Equal("the agent offers 8 vCPU and 98304 MiB; the fleet declares 32 vCPU and 98304 MiB; it refuses nothing for CPU, so the VMs placed here share 8 CPUs among 12 vCPU", condition.Message);
        Assert.True(Capacity(fleet, "sled-1").Status);
    }

    [Theory]
    [InlineData(8192)]
    [InlineData(24575)]
    [InlineData(24576)]
    [InlineData(98303)]
    [InlineData(98304)]
    [InlineData(262144)]
    public async Task RunAsync_AnyMemoryTheAgentOffers_TheConditionAndTheRefusalAgree(long offered)
    {
        // sled-1's VMs need 24576 MiB together; the fleet declares 98304 MiB.
        var fleet = new FakeFleet();
        fleet.Agents["sled-1"].Capacity = new Resources(32, offered);
        await using var pass = fleet.Pass();

        await pass.RunAsync();

        var host = Host(fleet, "sled-1");
        var refused = host.Error?.StartsWith("agent refused:", StringComparison.Ordinal) == true;
        var condition = Assert.Single(host.Conditions);
        Assert.Equal(offered < 24576, refused);
        Assert.Equal(offered < 98304, !condition.Status);
        Assert.True(!refused || !condition.Status, "a spec refused for memory is always flagged");
        Assert.Equal(refused, condition.Message.Contains("it refuses such a spec", StringComparison.Ordinal));
        Assert.Contains($"the agent offers 32 vCPU and {offered} MiB; the fleet declares 32 vCPU and 98304 MiB", condition.Message);
    }

    [Fact]
    public async Task RunAsync_AgentDown_NoCapacityConditionUntilItAnswers()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-3"].Down = true;
        fleet.Agents["sled-3"].Capacity = new Resources(32, 65536);
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        Assert.Empty(Host(fleet, "sled-3").Conditions);
        Assert.DoesNotContain("conditions:", fleet.Status.File("status/hosts/sled-3.yaml"));

        fleet.Agents["sled-3"].Down = false;
        await pass.RunAsync();

        Assert.Equal(CapacityCondition.AgentOffersLess, Capacity(fleet, "sled-3").Reason);
    }

    private static HostStatusDocument Host(FakeFleet fleet, string host) => StatusYaml.ReadHost(fleet.Status.File($"status/hosts/{host}.yaml")!);

    private static Condition Capacity(FakeFleet fleet, string host) => Assert.Single(Host(fleet, host).Conditions, c => c.Type == CapacityCondition.Type);
}
