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
            spec with { Nics = [Nic] },
            spec with { Nics = [Nic, Nic with { Name = "eth1", Tap = "lm0000000000001" }] },
            spec with { Nics = [Nic with { Name = "eth9" }] },
            spec with { Nics = [Nic with { Mac = "02:00:00:00:00:09" }] },
            spec with { Nics = [Nic with { Tap = "lm0000000000009" }] },
            spec with { Nics = [Nic with { Network = "lab" }] },
            spec with { Nics = [Nic with { Bridge = "br1" }] },
            spec with { Nics = [Nic with { Vlan = 7 }] },
            spec with { Nics = [Nic with { Addresses = ["10.0.0.2/24"] }] },
            spec with { Nics = [Nic with { Addresses = ["10.0.0.2/24", "fd00::2/64"] }] },
            spec with { Nics = [Nic with { Gateway4 = "10.0.0.1" }] },
            spec with { Nics = [Nic with { Gateway6 = "fd00::1" }] },
            spec with { Nics = [Nic with { Nameservers = ["10.0.0.53"] }] },
            spec with { Nics = [Nic with { SearchDomains = ["lab.example"] }] },
            spec with { Metadata = spec.Metadata.Add("k", "v") },
        };

        var hashes = variants.Select(SpecHash.Of).Append(SpecHash.Of(spec)).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void Of_NameserverMovedToSearchDomains_DifferentHash()
    {
        // Lists are length-prefixed: the same strings in another list are another spec.
        var a = TestSpecs.Vm("a") with { Nics = [Nic with { Nameservers = ["x"], SearchDomains = [] }] };
        var b = TestSpecs.Vm("a") with { Nics = [Nic with { Nameservers = [], SearchDomains = ["x"] }] };

        Assert.NotEqual(SpecHash.Of(a), SpecHash.Of(b));
    }

    [Fact]
    public void Of_SpecWithoutNics_SameHashAsBeforeNicsExisted()
    {
        // The hash of this spec before NICs were lists: an agent upgrade must not replace VMs without a network.
        Assert.Equal("sha256:ff352a92c3eca92b89296340f91faa4996e8c182d016947e95689c9d9c169e59", SpecHash.Of(TestSpecs.Vm("a")));
    }

    [Fact]
    public void InstanceId_ReconcilerHash_IdAndTwelveHexDigitsOfIt()
    {
        var spec = TestSpecs.Vm("a-cp-1") with { ContentHash = "sha256:0123456789abcdef0123" };

        Assert.Equal("a-cp-1-0123456789ab", SpecHash.InstanceId(spec));
    }

    [Fact]
    public void InstanceId_SpecChanged_Changes()
    {
        var spec = TestSpecs.Vm("a");

        Assert.NotEqual(SpecHash.InstanceId(spec), SpecHash.InstanceId(spec with { UserData = "#cloud-config\n{}\n" }));
        Assert.Matches("^a-[0-9a-f]{12}$", SpecHash.InstanceId(spec with { ContentHash = "some other shape" }));
    }

    private static readonly VmNic Nic = TestSpecs.Nic("eth0", "02:00:00:00:00:01", "lm0000000000000");

    [Fact]
    public void UserDataSha256_Text_MatchesSha256sumOfItsUtf8Bytes()
    {
        // printf 'hello user-data\n' | sha256sum
        Assert.Equal("d092c18166cefb0a048ba7a67185a23b29028f945cc76e6a1caaa38eeec0cece", SpecHash.UserDataSha256(TestSpecs.Vm("a", userData: "hello user-data\n")));
    }
}
