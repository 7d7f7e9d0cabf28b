using LiquidMetal.Agent.Providers.NoCloud;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.NoCloud;

public sealed class NetworkConfigTests
{
    [Fact]
    public void For_StaticNic_Version2WithMatchRenameAddressesRoutesAndDns()
    {
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.StaticNic("eth0", "02:00:00:AA:BB:01", "lm0")] };

        Assert.Equal(
            """
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: "02:00:00:aa:bb:01"
                set-name: "eth0"
                addresses:
                  - "10.20.1.101/24"
                  - "fd00:20::101/64"
                routes:
                  - to: "0.0.0.0/0"
                    via: "10.20.1.1"
                gateway6: "fd00:20::1"
                nameservers:
                  addresses:
                    - "10.20.1.53"
                    - "fd00:20::53"
                  search:
                    - "lab.example"
                    - "example"

            """,
            NetworkConfig.For(spec));
    }

    [Fact]
    public void For_NicWithoutAddresses_Dhcp4AndNoRoutes()
    {
        var spec = TestSpecs.Vm("a") with { Nics = [TestSpecs.Nic("on", "02:00:00:00:00:02", "lm0")] };

        Assert.Equal(
            """
            version: 2
            ethernets:
              "on":
                match:
                  macaddress: "02:00:00:00:00:02"
                set-name: "on"
                dhcp4: true

            """,
            NetworkConfig.For(spec));
    }

    [Fact]
    public void For_NoNics_EmptyEthernets()
    {
        Assert.Equal("version: 2\nethernets: {}\n", NetworkConfig.For(TestSpecs.Vm("a")));
    }
}
