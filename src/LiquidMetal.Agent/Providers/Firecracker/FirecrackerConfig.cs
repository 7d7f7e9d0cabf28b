using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiquidMetal.Agent.Providers.Firecracker;

/// <summary>
/// Builds the files of a Firecracker launch: the <c>--config-file</c> (boot-source, drives with the
/// cidata seed, machine-config, network-interfaces, mmds-config) and the <c>--metadata</c> MMDS content.
/// </summary>
internal static class FirecrackerConfig
{
    /// <summary>Where the guest finds its user-data in MMDS (a JSON pointer path).</summary>
    public const string UserDataPath = "liquidmetal/user-data";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>MMDS is reached over a NIC (the first): without one there is no MMDS, and the guest gets its user-data from cidata alone.</summary>
    public static bool HasMmds(VmLaunch launch) => !launch.Spec.Nics.IsEmpty;

    public static string BootArgs(VmLaunch launch)
    {
        var spec = launch.Spec;
        // reboot=k makes a guest reboot end the Firecracker process, so the agent sees it.
        var args = $"console=ttyS0 reboot=k panic=1 pci=off liquidmetal.id={spec.Id}";
        if (HasMmds(launch))
        {
            args += $" liquidmetal.mmds={UserDataPath}";
        }

        return string.IsNullOrWhiteSpace(spec.KernelArgs) ? args : args + " " + spec.KernelArgs.Trim();
    }

    public static string Config(VmLaunch launch)
    {
        var spec = launch.Spec;
        var bootSource = new JsonObject
        {
            ["kernel_image_path"] = spec.Kernel,
            ["boot_args"] = BootArgs(launch),
        };
        if (!string.IsNullOrEmpty(spec.Initrd))
        {
            bootSource["initrd_path"] = spec.Initrd;
        }

        var drives = new JsonArray();
        if (!string.IsNullOrEmpty(spec.RootVolume))
        {
            drives.Add(new JsonObject
            {
                ["drive_id"] = "rootfs",
                ["path_on_host"] = spec.RootVolume,
                ["is_root_device"] = true,
                // Root volumes are shared images: immutable VMs must not write into them.
                ["is_read_only"] = true,
            });
        }

        // The NoCloud seed, read-only like the root volume.
        drives.Add(new JsonObject
        {
            ["drive_id"] = "cidata",
            ["path_on_host"] = NoCloud.CidataImage.ImagePath(launch),
            ["is_root_device"] = false,
            ["is_read_only"] = true,
        });

        // The agent made each tap already, on its bridge; Firecracker opens it by name.
        var interfaces = new JsonArray();
        foreach (var nic in spec.Nics)
        {
            interfaces.Add(new JsonObject
            {
                ["iface_id"] = nic.Name,
                ["guest_mac"] = nic.Mac,
                ["host_dev_name"] = nic.Tap,
            });
        }

        var config = new JsonObject
        {
            ["boot-source"] = bootSource,
            ["drives"] = drives,
            ["machine-config"] = new JsonObject
            {
                ["vcpu_count"] = spec.Vcpu,
                ["mem_size_mib"] = spec.MemoryMiB,
            },
            ["network-interfaces"] = interfaces,
        };
        if (HasMmds(launch))
        {
            config["mmds-config"] = new JsonObject
            {
                ["version"] = "V2",
                ["network_interfaces"] = new JsonArray(spec.Nics[0].Name),
            };
        }

        return config.ToJsonString(Indented);
    }

    /// <summary>The MMDS content: user-data where the guest init looks, plus the instance id and metadata.</summary>
    public static string Metadata(VmLaunch launch)
    {
        var spec = launch.Spec;
        var metadata = new JsonObject();
        foreach (var (key, value) in spec.Metadata)
        {
            metadata[key] = value;
        }

        var document = new JsonObject
        {
            ["liquidmetal"] = new JsonObject
            {
                ["instance-id"] = spec.Id,
                ["user-data"] = spec.UserData,
                ["metadata"] = metadata,
            },
        };
        return document.ToJsonString(Indented);
    }
}
