using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Providers;

public sealed class QemuCommandLineTests
{
    private static readonly VmLaunch Launch = new(TestSpecs.Vm("vm-a") with { Vcpu = 2, MemoryMiB = 384, KernelArgs = "quiet" }, "/state/vms/vm-a");

    [Fact]
    public void Build_Basics_MicrovmWithoutDefaultsAndSizes()
    {
        var args = QemuCommandLine.Build(Launch, "tcg");

        AssertPair(args, "-M", "microvm");
        AssertPair(args, "-accel", "tcg");
        AssertPair(args, "-m", "384M");
        AssertPair(args, "-smp", "2");
        AssertPair(args, "-kernel", "/images/vmlinuz");
        AssertPair(args, "-initrd", "/images/initrd");
        Assert.Contains("-nodefaults", args);
        Assert.Contains("-no-user-config", args);
        Assert.Contains("-nographic", args);
        Assert.DoesNotContain("-cpu", args);
    }

    [Fact]
    public void Build_KernelCommandLine_ConsoleTscIdAndExtraArgs()
    {
        var append = ValueOf(QemuCommandLine.Build(Launch, "tcg"), "-append");

        Assert.Equal("console=ttyS0 tsc_early_khz=2600000 liquidmetal.id=vm-a quiet", append);
    }

    [Fact]
    public void Build_UserDataConsoleAndQmp_InTheVmFolder()
    {
        var args = QemuCommandLine.Build(Launch, "tcg");

        AssertPair(args, "-fw_cfg", "name=opt/liquidmetal/user-data,file=/state/vms/vm-a/user-data");
        Assert.Contains("logfile=/state/vms/vm-a/console.log", ValueOf(args, "-chardev"), StringComparison.Ordinal);
        AssertPair(args, "-serial", "chardev:console");
        AssertPair(args, "-qmp", "unix:/state/vms/vm-a/qmp.sock,server=on,wait=off");
    }

    [Fact]
    public void Build_Kvm_HostCpu()
    {
        AssertPair(QemuCommandLine.Build(Launch, "kvm"), "-cpu", "host");
    }

    [Fact]
    public void Build_RootVolumeAndTwoNics_VirtioMmioDevicesOpeningTheAgentsTaps()
    {
        var spec = Launch.Spec with
        {
            RootVolume = "/images/root,1.img",
            Nics = [TestSpecs.Nic("eth0", "02:00:00:00:00:07", "lmaaaaaaaaaaaa0"), TestSpecs.Nic("eth1", "02:00:00:00:00:08", "lmaaaaaaaaaaaa1")],
        };

        var args = QemuCommandLine.Build(Launch with { Spec = spec }, "tcg");

        AssertPair(args, "-drive", "id=root,file=/images/root,,1.img,format=raw,if=none,snapshot=on");
        AssertPair(args, "-netdev", "tap,id=net0,ifname=lmaaaaaaaaaaaa0,script=no,downscript=no");
        AssertPair(args, "-device", "virtio-net-device,netdev=net0,mac=02:00:00:00:00:07");
        AssertPair(args, "-netdev", "tap,id=net1,ifname=lmaaaaaaaaaaaa1,script=no,downscript=no");
        AssertPair(args, "-device", "virtio-net-device,netdev=net1,mac=02:00:00:00:00:08");
        Assert.True(args.ToList().IndexOf("virtio-blk-device,drive=root") < args.ToList().IndexOf("virtio-blk-device,drive=cidata"), "the root volume stays the first disk (vda)");
    }

    [Fact]
    public void Build_AnyVm_CidataImageAsReadOnlySecondDisk()
    {
        var args = QemuCommandLine.Build(Launch, "tcg");

        AssertPair(args, "-drive", "id=cidata,file=/state/vms/vm-a/cidata.iso,format=raw,if=none,readonly=on");
        AssertPair(args, "-device", "virtio-blk-device,drive=cidata");
        Assert.DoesNotContain("-netdev", args);
    }

    [Fact]
    public void Build_VmFolder_AppearsInCommandLineAsIdentityMarker()
    {
        Assert.Contains(QemuCommandLine.Build(Launch, "tcg"), a => a.Contains(Launch.Marker, StringComparison.Ordinal));
    }

    private static string ValueOf(IReadOnlyList<string> args, string option) => args[args.ToList().IndexOf(option) + 1];

    private static void AssertPair(IReadOnlyList<string> args, string option, string value)
    {
        var list = args.ToList();
        var found = Enumerable.Range(0, list.Count - 1).Any(i => list[i] == option && list[i + 1] == value);
        Assert.True(found, $"expected {option} {value} in: {string.Join(' ', args)}");
    }
}
