using LiquidMetal.Reconciler.Hosting;

namespace LiquidMetal.Reconciler.Tests.Hosting;

/// <summary>How soon the loop looks again at a fleet that has not converged.</summary>
public sealed class ConvergingBackoffTests
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Most = TimeSpan.FromSeconds(30);

    [Fact]
    public void Next_PassesThatWroteStatus_AlwaysTheFirstDelay()
    {
        var backoff = new ConvergingBackoff(First, Most);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(First, backoff.Next(wroteStatus: true)));
    }

    [Fact]
    public void Next_QuietPassesInARow_DoubleUpToThePollInterval()
    {
        var backoff = new ConvergingBackoff(First, Most);
        backoff.Next(wroteStatus: true);

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next(wroteStatus: false).TotalSeconds).ToList();

        Assert.Equal([2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Fact]
    public void Next_APassWritesStatusAfterQuietOnes_BackToTheFirstDelay()
    {
        var backoff = new ConvergingBackoff(First, Most);
        for (var i = 0; i < 5; i++)
        {
            backoff.Next(wroteStatus: false);
        }

        Assert.Equal(First, backoff.Next(wroteStatus: true));
        Assert.Equal(First * 2, backoff.Next(wroteStatus: false));
    }

    [Fact]
    public void Reset_AfterQuietPasses_TheNextQuietPassWaitsTwiceTheFirstDelay()
    {
        var backoff = new ConvergingBackoff(First, Most);
        for (var i = 0; i < 5; i++)
        {
            backoff.Next(wroteStatus: false);
        }

        backoff.Reset();

        Assert.Equal(First * 2, backoff.Next(wroteStatus: false));
    }

    [Fact]
    public void Next_ThousandsOfQuietPasses_StaysAtThePollIntervalWithoutOverflowing()
    {
        var backoff = new ConvergingBackoff(TimeSpan.FromHours(1), TimeSpan.FromDays(3650));

        var delays = Enumerable.Range(0, 5000).Select(_ => backoff.Next(wroteStatus: false)).ToList();

        Assert.All(delays, d => Assert.True(d > TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromHours(65536), delays[^1]);
    }
}
