namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>A fact that makes real bridges and taps (root or CAP_NET_ADMIN, and the tun module); skipped, saying so, elsewhere.</summary>
public sealed class NetAdminFactAttribute : FactAttribute
{
    public NetAdminFactAttribute()
    {
        Skip = Reason();
    }

    /// <summary>Also needs bridges that filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING; some VM kernels lack it).</summary>
    public bool NeedsVlanFiltering
    {
        get => false;
        init => Skip ??= value ? VlanFilteringReason() : null;
    }

    internal static string? VlanFilteringReason()
    {
        var probe = "lmvlan" + Environment.ProcessId % 100000;
        var (exit, _, errors) = HostCommands.Run("ip", "link", "add", "name", probe, "type", "bridge", "vlan_filtering", "1");
        HostCommands.Ip("link", "delete", probe);
        return exit == 0 ? null : $"this kernel's bridges cannot filter VLANs ({errors.Trim()}): CONFIG_BRIDGE_VLAN_FILTERING is off";
    }

    internal static string? Reason()
    {
        if (!File.Exists("/dev/net/tun"))
        {
            return "no /dev/net/tun here: taps need the tun module";
        }

        var probe = "lmprobe" + Environment.ProcessId % 100000;
        if (!HostCommands.Ip("link", "add", "name", probe, "type", "bridge"))
        {
            return "cannot create a network bridge here (needs root or CAP_NET_ADMIN, and iproute2)";
        }

        HostCommands.Ip("link", "delete", probe);
        return null;
    }
}
