using System.Text.Json;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Providers.Firecracker;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Providers;

public sealed class FirecrackerConfigTests
{
    private static readonly VmSpec Spec = TestSpecs.Vm("vm-f", userData: "#cloud-config\nhostname: f\n") with
    {
        Vcpu = 2,
        MemoryMiB = 1024,
        RootVolume = "/images/root.ext4",
        Nics = [TestSpecs.Nic("eth0", "02:fc:00:00:00:01", "lmfffffffffff0"), TestSpecs.Nic("eth1", "02:fc:00:00:00:02", "lmfffffffffff1")],
        Metadata = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("cluster", "a"),
    };

    private static readonly VmLaunch Launch = new(Spec, "/state/vms/vm-f");

    [Fact]
    public void Config_FullSpec_DocumentedSections()
    {
        using var config = JsonDocument.Parse(FirecrackerConfig.Config(Launch));
        var root = config.RootElement;

        var boot = root.GetProperty("boot-source");
        Assert.Equal("/images/vmlinuz", boot.GetProperty("kernel_image_path").GetString());
        Assert.Equal("/images/initrd", boot.GetProperty("initrd_path").GetString());
        Assert.Equal(
            "console=ttyS0 reboot=k panic=1 pci=off liquidmetal.id=vm-f liquidmetal.mmds=liquidmetal/user-data",
            boot.GetProperty("boot_args").GetString());

        var drive = root.GetProperty("drives")[0];
        Assert.Equal("rootfs", drive.GetProperty("drive_id").GetString());
        Assert.Equal("/images/root.ext4", drive.GetProperty("path_on_host").GetString());
        Assert.True(drive.GetProperty("is_root_device").GetBoolean());
        Assert.True(drive.GetProperty("is_read_only").GetBoolean());

        var machine = root.GetProperty("machine-config");
        Assert.Equal(2, machine.GetProperty("vcpu_count").GetInt32());
        Assert.Equal(1024, machine.GetProperty("mem_size_mib").GetInt32());

        var cidata = root.GetProperty("drives")[1];
        Assert.Equal("cidata", cidata.GetProperty("drive_id").GetString());
        Assert.Equal("/state/vms/vm-f/cidata.iso", cidata.GetProperty("path_on_host").GetString());
        Assert.False(cidata.GetProperty("is_root_device").GetBoolean());
        Assert.True(cidata.GetProperty("is_read_only").GetBoolean());

        var nics = root.GetProperty("network-interfaces");
        Assert.Equal(2, nics.GetArrayLength());
        Assert.Equal("eth0", nics[0].GetProperty("iface_id").GetString());
        Assert.Equal("02:fc:00:00:00:01", nics[0].GetProperty("guest_mac").GetString());
        Assert.Equal("lmfffffffffff0", nics[0].GetProperty("host_dev_name").GetString());
        Assert.Equal("eth1", nics[1].GetProperty("iface_id").GetString());
        Assert.Equal("lmfffffffffff1", nics[1].GetProperty("host_dev_name").GetString());

        var mmds = root.GetProperty("mmds-config");
        Assert.Equal("V2", mmds.GetProperty("version").GetString());
        Assert.Equal("eth0", mmds.GetProperty("network_interfaces")[0].GetString());
    }

    [Fact]
    public void Config_NoNics_NoMmdsAndNoMetadataArgumentButCidata()
    {
        var launch = Launch with { Spec = Spec with { Nics = [], RootVolume = null } };
        using var config = JsonDocument.Parse(FirecrackerConfig.Config(launch));

        Assert.False(config.RootElement.TryGetProperty("mmds-config", out _));
        Assert.Equal("cidata", Assert.Single(config.RootElement.GetProperty("drives").EnumerateArray()).GetProperty("drive_id").GetString());
        Assert.DoesNotContain("--metadata", FirecrackerProvider.Arguments(launch));
        Assert.DoesNotContain("liquidmetal.mmds", FirecrackerConfig.BootArgs(launch), StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_UserDataIdAndMetadata_UnderLiquidmetalKey()
    {
        using var metadata = JsonDocument.Parse(FirecrackerConfig.Metadata(Launch));
        var liquidmetal = metadata.RootElement.GetProperty("liquidmetal");

        Assert.Equal(Spec.UserData, liquidmetal.GetProperty("user-data").GetString());
        Assert.Equal("vm-f", liquidmetal.GetProperty("instance-id").GetString());
        Assert.Equal("a", liquidmetal.GetProperty("metadata").GetProperty("cluster").GetString());
    }

    [Fact]
    public void Arguments_ConfigFileLaunchWithoutApi()
    {
        Assert.Equal(
            ["--no-api", "--id", "vm-f", "--config-file", "/state/vms/vm-f/firecracker.json", "--metadata", "/state/vms/vm-f/mmds.json"],
            FirecrackerProvider.Arguments(Launch));
    }
}
