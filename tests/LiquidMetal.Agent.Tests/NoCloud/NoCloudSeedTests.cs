using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Providers.NoCloud;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.NoCloud;

public sealed class NoCloudSeedTests
{
    [Fact]
    public void MetaData_Spec_InstanceIdFromItsHashAndVmIdAsHostname()
    {
        var spec = TestSpecs.Vm("a-cp-1") with { ContentHash = "sha256:0123456789abcdef" };

        Assert.Equal("instance-id: \"a-cp-1-0123456789ab\"\nlocal-hostname: \"a-cp-1\"\n", NoCloudSeed.MetaData(spec));
    }

    [Fact]
    public void UserData_Given_ByteForByteEvenWhenEmpty()
    {
        Assert.Equal("#!/bin/sh\necho hi\n", NoCloudSeed.UserData(TestSpecs.Vm("a", userData: "#!/bin/sh\necho hi\n")));
        Assert.Equal(string.Empty, NoCloudSeed.UserData(TestSpecs.Vm("a")));
    }

    [Fact]
    public void Files_AnySpec_TheThreeNoCloudFiles()
    {
        Assert.Equal(["meta-data", "user-data", "network-config"], NoCloudSeed.Files(TestSpecs.Vm("a")).Select(f => f.Name));
    }

    [Fact]
    public void MetaData_SpecChanged_NewInstanceId()
    {
        var spec = TestSpecs.Vm("a");

        Assert.NotEqual(NoCloudSeed.MetaData(spec), NoCloudSeed.MetaData(spec with { Vcpu = 2 }));
        Assert.Equal(NoCloudSeed.MetaData(spec), NoCloudSeed.MetaData(spec with { }));
        Assert.StartsWith($"instance-id: \"{SpecHash.InstanceId(spec)}\"", NoCloudSeed.MetaData(spec), StringComparison.Ordinal);
    }
}
