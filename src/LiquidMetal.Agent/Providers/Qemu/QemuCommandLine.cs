using System.Globalization;

namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>Builds the QEMU microvm command line for one VM.</summary>
internal static class QemuCommandLine
{
    public const string UserDataFwCfgName = "opt/liquidmetal/user-data";

    /// <summary>
    /// Kernel arguments the agent always sets. tsc_early_khz: under TCG the kernel's PIT
    /// calibration fails about one boot in four and the guest hangs; a given TSC rate avoids it.
    /// </summary>
    public const string BaseKernelArgs = "console=ttyS0 tsc_early_khz=2600000";

    public static string UserDataFile(VmLaunch launch) => Path.Combine(launch.Directory, "user-data");

    public static string ConsoleSocket(VmLaunch launch) => Path.Combine(launch.Directory, "console.sock");

    public static string QmpSocket(VmLaunch launch) => Path.Combine(launch.Directory, "qmp.sock");

    public static IReadOnlyList<string> Build(VmLaunch launch, string accel)
    {
        var spec = launch.Spec;
        var append = $"{BaseKernelArgs} liquidmetal.id={spec.Id}";
        if (!string.IsNullOrWhiteSpace(spec.KernelArgs))
        {
            append += " " + spec.KernelArgs.Trim();
        }

        var args = new List<string>
        {
            "-name", $"guest={spec.Id},debug-threads=off",
            "-M", "microvm",
            "-accel", accel,
        };
        if (accel == "kvm")
        {
            args.AddRange(["-cpu", "host"]);
        }

        args.AddRange(
        [
            "-m", spec.MemoryMiB.ToString(CultureInfo.InvariantCulture) + "M",
            "-smp", spec.Vcpu.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-nographic",
            "-kernel", spec.Kernel,
        ]);
        if (!string.IsNullOrEmpty(spec.Initrd))
        {
            args.AddRange(["-initrd", spec.Initrd]);
        }

        args.AddRange(
        [
            "-append", append,
            "-fw_cfg", $"name={UserDataFwCfgName},file={Escape(UserDataFile(launch))}",
            // A socket for a person (or a "poweroff" line) plus a log file the agent follows;
            // the log keeps everything whether or not anyone is connected.
            "-chardev", $"socket,id=console,path={Escape(ConsoleSocket(launch))},server=on,wait=off,logfile={Escape(launch.ConsoleLog)}",
            "-serial", "chardev:console",
            "-qmp", $"unix:{Escape(QmpSocket(launch))},server=on,wait=off",
        ]);

        if (!string.IsNullOrEmpty(spec.RootVolume))
        {
            // snapshot=on: VMs are immutable and may share one image; writes go to a throwaway overlay.
            args.AddRange(
            [
                "-drive", $"id=root,file={Escape(spec.RootVolume)},format=raw,if=none,snapshot=on",
                "-device", "virtio-blk-device,drive=root",
            ]);
        }

        // The NoCloud seed: a second disk, never written (cloud-init only reads it).
        args.AddRange(
        [
            "-drive", $"id=cidata,file={Escape(NoCloud.CidataImage.ImagePath(launch))},format=raw,if=none,readonly=on",
            "-device", "virtio-blk-device,drive=cidata",
        ]);

        // The agent made each tap already (persistent, on its bridge); QEMU only opens it.
        foreach (var (nic, index) in spec.Nics.Select((nic, index) => (nic, index)))
        {
            args.AddRange(
            [
                "-netdev", $"tap,id=net{index},ifname={nic.Tap},script=no,downscript=no",
                "-device", $"virtio-net-device,netdev=net{index},mac={nic.Mac}",
            ]);
        }

        return args;
    }

    // QEMU option values separate with commas; a literal comma is doubled.
    private static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
