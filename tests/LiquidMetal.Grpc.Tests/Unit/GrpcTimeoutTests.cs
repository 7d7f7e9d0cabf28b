using LiquidMetal.Grpc.Internal;

namespace LiquidMetal.Grpc.Tests.Unit;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("2H", 2 * 3600 * 1000.0)]
    [InlineData("3M", 3 * 60 * 1000.0)]
    [InlineData("5S", 5000.0)]
    [InlineData("250m", 250.0)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2.0)]
    [InlineData("99999999S", 99999999000.0)]
    public void TryParse_EveryUnit_Duration(string header, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Fact]
    public void TryParse_Nanoseconds_RoundUpToWholeTicks()
    {
        Assert.True(GrpcTimeout.TryParse("1n", out var timeout));
        Assert.Equal(TimeSpan.FromTicks(1), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("10s")]
    [InlineData("10x")]
    public void TryParse_Malformed_False(string header)
    {
        Assert.False(GrpcTimeout.TryParse(header, out _));
    }

    [Theory]
    [InlineData(0.05, "50000n")]
    [InlineData(200.0, "200000u")]
    [InlineData(5000.0, "5000000u")]
    [InlineData(3600000.0, "3600000m")]
    [InlineData(86400000.0 * 365, "31536000S")]
    public void Format_PicksFinestUnitWithin8Digits(double milliseconds, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void Format_ThenParse_NeverShorter()
    {
        foreach (var ticks in new long[] { 1, 99, 12345, 10_000_000_001, TimeSpan.FromDays(400).Ticks + 7 })
        {
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(TimeSpan.FromTicks(ticks)), out var back));
            Assert.True(back >= TimeSpan.FromTicks(ticks), $"{ticks} ticks came back as {back.Ticks}");
        }
    }

    [Fact]
    public void Format_LongestTimeSpan_HoursThatParseBack()
    {
        var header = GrpcTimeout.Format(TimeSpan.MaxValue);

        Assert.EndsWith("H", header);
        Assert.True(GrpcTimeout.TryParse(header, out _));
    }
}
