using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Networking;

/// <summary>
/// Decides, without touching the host, what a VM's NICs need: measured devices in, taps to make or a refusal out.
/// Every NIC is checked before any tap is made, so a refused VM leaves nothing behind.
/// </summary>
internal static class NicPlanner
{
    /// <param name="defaultBridge">The agent's --bridge, for a NIC whose spec names none.</param>
    /// <param name="find">Looks up a host device by name.</param>
    public static NicPlan Plan(VmSpec spec, string? defaultBridge, Func<string, NetDevice?> find)
    {
        var taps = new List<TapSetup>();
        foreach (var nic in spec.Nics)
        {
            var bridgeName = nic.Bridge.Length > 0 ? nic.Bridge : defaultBridge;
            var where = $"nic {nic.Name}";
            if (find(nic.Tap) is { } existing)
            {
                var what = existing.Kind == NetDeviceKind.Tap ? "a tap" : "a device";
                return NicPlan.Refused(
                    $"{where}: host device {nic.Tap} exists already ({what} this agent did not make, or one a VMM still holds): remove it, or stop what uses it");
            }

            if (bridgeName is null)
            {
                if (nic.Vlan != 0)
                {
                    return NicPlan.Refused($"{where}: VLAN {nic.Vlan} needs a bridge, and neither the spec nor the agent's --bridge names one");
                }

                taps.Add(new TapSetup(nic.Tap, nic.Name, null, 0, 0));
                continue;
            }

            var bridge = find(bridgeName);
            if (bridge is null)
            {
                return NicPlan.Refused($"{where}: bridge {bridgeName} does not exist on this host: create it, or fix the network's bridge in the fleet");
            }

            if (bridge.Kind != NetDeviceKind.Bridge)
            {
                return NicPlan.Refused($"{where}: {bridgeName} on this host is not a bridge: use a bridge, or fix the network's bridge in the fleet");
            }

            if (nic.Vlan != 0 && !bridge.VlanFiltering)
            {
                return NicPlan.Refused(
                    $"{where}: bridge {bridgeName} has VLAN filtering off (or this kernel lacks it), so VLAN {nic.Vlan} cannot be set on the port: "
                    + $"turn it on (ip link set {bridgeName} type bridge vlan_filtering 1), or remove the VLAN from the network");
            }

            taps.Add(new TapSetup(nic.Tap, nic.Name, bridgeName, nic.Vlan, bridge.DefaultPvid));
        }

        return new NicPlan([.. taps], null);
    }

    /// <summary>This agent's taps among <paramref name="taps"/> that belong to VMs for which <paramref name="remove"/> holds.</summary>
    public static IReadOnlyList<string> Owned(IEnumerable<NetDevice> taps, string agentMark, Func<string, bool> remove) =>
        [.. taps
            .Where(t => t.Kind == NetDeviceKind.Tap && t.Name.StartsWith(TapNames.Prefix, StringComparison.Ordinal))
            .Where(t => TapOwner.VmOf(t.Alias, agentMark) is { } vm && remove(vm))
            .Select(t => t.Name)];
}
