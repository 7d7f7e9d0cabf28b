using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Tests.Core;

public sealed class ReadyMarkerTests
{
    private const string Sha = "d092c18166cefb0a048ba7a67185a23b29028f945cc76e6a1caaa38eeec0cece";

    [Fact]
    public void TryParse_MarkerLine_IdAndHash()
    {
        Assert.True(ReadyMarker.TryParse($"LIQUIDMETAL-READY id=vm-a userdata-sha256={Sha}", out var marker));
        Assert.Equal(new ReadyMarker("vm-a", Sha), marker);
    }

    [Fact]
    public void TryParse_MarkerAfterKernelNoise_Found()
    {
        Assert.True(ReadyMarker.TryParse($"[    1.2] random: LIQUIDMETAL-READY id=vm-b userdata-sha256={Sha}", out var marker));
        Assert.Equal("vm-b", marker.Id);
    }

    [Theory]
    [InlineData("LIQUIDMETAL-READY id=vm-a")]
    [InlineData("LIQUIDMETAL-READY id=vm-a userdata-sha256=xyz")]
    [InlineData("Run /init as init process")]
    public void TryParse_OtherLines_False(string line)
    {
        Assert.False(ReadyMarker.TryParse(line, out _));
    }
}
