using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Providers.NoCloud;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.NoCloud;

/// <summary>What the agent writes into cidata, read by Debian's own cloud-init: its schema check and its network renderer.</summary>
public sealed class CloudInitTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [CloudInitFact]
    public void Schema_CloudConfigUserData_PassesThroughValid()
    {
        var userData = "#cloud-config\nhostname: a-cp-1\nwrite_files:\n  - path: /etc/liquidmetal/node.env\n    content: |\n      ROLE=control-plane\nruncmd:\n  - [/usr/local/bin/liquidmetal-bootstrap, --role, control-plane]\n";
        var (exit, output, errors) = HostCommands.Run("cloud-init", "schema", "--config-file", Write("user-data", NoCloudSeed.UserData(TestSpecs.Vm("a", userData: userData))));

        Assert.True(exit == 0, output + errors);
        Assert.Contains("Valid cloud-config", output, StringComparison.Ordinal);
    }

    [CloudInitFact]
    public void NetConvert_TwoStaticNics_NetworkdFilesWithAddressesGatewaysAndDns()
    {
        var spec = TestSpecs.Vm("a") with
        {
            Nics =
            [
                TestSpecs.StaticNic("eth0", "02:00:00:aa:bb:01", "lm0"),
                TestSpecs.Nic("eth1", "02:00:00:aa:bb:02", "lm1") with { Addresses = ["192.168.7.5/24"] },
            ],
        };
        var output = Path.Combine(_dir.Path, "out");

        var (exit, stdout, errors) = HostCommands.Run(
            "cloud-init", "devel", "net-convert", "--network-data", Write("network-config", NetworkConfig.For(spec)),
            "--kind", "yaml", "--output-kind", "networkd", "-D", "debian", "-d", output);

        Assert.True(exit == 0, stdout + errors);
        var eth0 = File.ReadAllText(Path.Combine(output, "etc/systemd/network/10-cloud-init-eth0.network"));
        Assert.Contains("MACAddress=02:00:00:aa:bb:01", eth0, StringComparison.Ordinal);
        Assert.Contains("Address=10.20.1.101/24", eth0, StringComparison.Ordinal);
        Assert.Contains("Address=fd00:20::101/64", eth0, StringComparison.Ordinal);
        Assert.Contains("Destination=0.0.0.0/0", eth0, StringComparison.Ordinal);
        Assert.Contains("Gateway=10.20.1.1", eth0, StringComparison.Ordinal);
        Assert.Contains("Gateway=fd00:20::1", eth0, StringComparison.Ordinal);
        Assert.DoesNotContain("::/64", eth0, StringComparison.Ordinal); // what a "::/0" route becomes in cloud-init 22.4
        Assert.Contains("DNS=10.20.1.53 fd00:20::53", eth0, StringComparison.Ordinal);
        Assert.Contains("Domains=lab.example example", eth0, StringComparison.Ordinal);
        var eth1 = File.ReadAllText(Path.Combine(output, "etc/systemd/network/10-cloud-init-eth1.network"));
        Assert.Contains("Address=192.168.7.5/24", eth1, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway", eth1, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A fact that runs Debian's cloud-init; skipped, saying how to get it, where it is missing.</summary>
public sealed class CloudInitFactAttribute : FactAttribute
{
    public CloudInitFactAttribute()
    {
        if (DetachedProcess.Resolve("cloud-init") is null)
        {
            Skip = "cloud-init is not installed: run scripts/install-test-deps.sh";
        }
    }
}
