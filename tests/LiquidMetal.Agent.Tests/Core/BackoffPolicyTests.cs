using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Tests.Core;

public sealed class BackoffPolicyTests
{
    private static readonly BackoffPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 20)]
    [InlineData(1000, 20)]
    public void Delay_ConsecutiveFailures_DoublesUpToCap(int failures, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Policy.Delay(failures));
    }

    [Fact]
    public void Delay_InitialAboveCap_Cap()
    {
        var policy = new BackoffPolicy(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMinutes(1), policy.Delay(1));
    }
}
