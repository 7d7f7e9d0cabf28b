using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Providers.NoCloud;

/// <summary>
/// The NoCloud network-config (version 2) for a VM's NICs: each card found by its MAC, renamed, and given its static
/// addresses, default routes and DNS; a card without addresses asks for DHCP, as cloud-init's fallback would.
/// </summary>
internal static class NetworkConfig
{
    public static string For(VmSpec spec)
    {
        var ethernets = spec.Nics.Select(nic => Entry(nic.Name, Ethernet(nic))).ToList();
        return YamlText.Write(new YamlMapping(
        [
            Entry("version", new YamlLiteral("2")),
            Entry("ethernets", new YamlMapping(ethernets)),
        ]));
    }

    private static YamlMapping Ethernet(VmNic nic)
    {
        var entries = new List<KeyValuePair<string, YamlNode>>
        {
            Entry("match", new YamlMapping([Entry("macaddress", nic.Mac.ToLowerInvariant())])),
            Entry("set-name", nic.Name),
        };
        if (nic.Addresses.IsEmpty)
        {
            entries.Add(Entry("dhcp4", YamlLiteral.True));
        }
        else
        {
            entries.Add(Entry("addresses", Strings(nic.Addresses)));
        }

        if (nic.Gateway4.Length > 0)
        {
            // "to: default" is netplan's spelling; cloud-init 22.4 (Debian 12) rejects it, and reads 0.0.0.0/0.
            entries.Add(Entry("routes", new YamlSequence([new YamlMapping([Entry("to", "0.0.0.0/0"), Entry("via", nic.Gateway4)])])));
        }

        if (nic.Gateway6.Length > 0)
        {
            // Not a "::/0" route: cloud-init 22.4 reads a zero IPv6 prefix as none and renders ::/64 (networkd and
            // ifupdown alike). gateway6 is deprecated in netplan but still honoured, and every renderer gets it right.
            entries.Add(Entry("gateway6", nic.Gateway6));
        }

        var nameservers = new List<KeyValuePair<string, YamlNode>>();
        if (!nic.Nameservers.IsEmpty)
        {
            nameservers.Add(Entry("addresses", Strings(nic.Nameservers)));
        }

        if (!nic.SearchDomains.IsEmpty)
        {
            nameservers.Add(Entry("search", Strings(nic.SearchDomains)));
        }

        if (nameservers.Count > 0)
        {
            entries.Add(Entry("nameservers", new YamlMapping(nameservers)));
        }

        return new YamlMapping(entries);
    }

    private static YamlSequence Strings(IEnumerable<string> values) => new([.. values.Select(v => (YamlNode)v)]);

    private static KeyValuePair<string, YamlNode> Entry(string key, YamlNode value) => new(key, value);
}
