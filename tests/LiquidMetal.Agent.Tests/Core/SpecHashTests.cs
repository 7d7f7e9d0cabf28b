using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Core;

public sealed class SpecHashTests
{
    [Fact]
    public void Of_ReconcilerHashGiven_UsesIt()
    {
        Assert.Equal("abc123", SpecHash.Of(TestSpecs.Vm("a") with { ContentHash = "abc123" }));
    }

    [Fact]
    public void Of_SameSpec_SameHash()
    {
        Assert.Equal(SpecHash.Of(TestSpecs.Vm("a", userData: "x")), SpecHash.Of(TestSpecs.Vm("a", userData: "x")));
    }

    [Fact]
    public void Of_AnyFieldChanged_DifferentHash()
    {
        var spec = TestSpecs.Vm("a");
        var variants = new[]
        {
            spec with { Vcpu = 2 },
            spec with { MemoryMiB = 512 },
            spec with { UserData = "y" },
            spec with { KernelArgs = "quiet" },
            spec with { Network = new VmNetwork("02:00:00:00:00:01", "tap0") },
            spec with { Metadata = spec.Metadata.Add("k", "v") },
        };

        Assert.All(variants, v => Assert.NotEqual(SpecHash.Of(spec), SpecHash.Of(v)));
    }

    [Fact]
    public void UserDataSha256_Text_MatchesSha256sumOfItsUtf8Bytes()
    {
        // printf 'hello user-data\n' | sha256sum
        Assert.Equal("d092c18166cefb0a048ba7a67185a23b29028f945cc76e6a1caaa38eeec0cece", SpecHash.UserDataSha256(TestSpecs.Vm("a", userData: "hello user-data\n")));
    }
}
