using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using LiquidMetal.Agent.Networking;

namespace LiquidMetal.Agent.Core.Validation;

/// <summary>
/// Checks a VM's NICs for what the agent will act on: host device names it passes to the kernel and the addressing
/// it writes into the guest's network-config. Whether the bridge exists is the host's state, not the spec's: that
/// is decided when the VM starts, for that VM alone.
/// </summary>
internal static partial class NicValidator
{
    public static void Validate(VmSpec vm, string where, List<string> errors)
    {
        if (vm.Nics.Length > TapNames.MaxNicsPerVm)
        {
            errors.Add($"{where}: {vm.Nics.Length} NICs; a VM has at most {TapNames.MaxNicsPerVm}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var macs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var nic in vm.Nics)
        {
            var at = $"{where}: nic {(nic.Name.Length > 0 ? nic.Name : "(unnamed)")}";
            if (!InterfaceName().IsMatch(nic.Name))
            {
                errors.Add($"{at}: name must be an interface name (1-15 of letters, digits, '-', '_', '.'), e.g. eth0");
            }
            else if (!names.Add(nic.Name))
            {
                errors.Add($"{at}: duplicate name; every NIC of a VM needs its own");
            }

            if (!MacAddress().IsMatch(nic.Mac))
            {
                errors.Add($"{at}: MAC \"{nic.Mac}\" must look like 02:00:00:00:00:01");
            }
            else if (!macs.Add(nic.Mac))
            {
                errors.Add($"{at}: MAC {nic.Mac} is used by another NIC of this VM");
            }

            if (!nic.Tap.StartsWith(TapNames.Prefix, StringComparison.Ordinal) || !InterfaceName().IsMatch(nic.Tap))
            {
                errors.Add($"{at}: tap \"{nic.Tap}\" must be a host interface name starting with \"{TapNames.Prefix}\" (at most 15 characters)");
            }

            if (nic.Bridge.Length > 0 && !InterfaceName().IsMatch(nic.Bridge))
            {
                errors.Add($"{at}: bridge \"{nic.Bridge}\" must be a host interface name (1-15 of letters, digits, '-', '_', '.')");
            }

            if (nic.Vlan is < 0 or > 4094)
            {
                errors.Add($"{at}: VLAN {nic.Vlan} must be between 1 and 4094 (0: none)");
            }

            CheckAddressing(nic, at, errors);
        }
    }

    private static void CheckAddressing(VmNic nic, string at, List<string> errors)
    {
        foreach (var address in nic.Addresses)
        {
            if (!IsInterfaceAddress(address))
            {
                errors.Add($"{at}: address \"{address}\" must be an address with its prefix length, e.g. 10.20.1.101/24 or fd00::101/64");
            }
        }

        CheckGateway(nic.Gateway4, AddressFamily.InterNetwork, "gateway4", at, errors);
        CheckGateway(nic.Gateway6, AddressFamily.InterNetworkV6, "gateway6", at, errors);
        foreach (var server in nic.Nameservers.Where(s => !IPAddress.TryParse(s, out _)))
        {
            errors.Add($"{at}: nameserver \"{server}\" must be an IP address");
        }

        foreach (var domain in nic.SearchDomains.Where(d => !SearchDomain().IsMatch(d)))
        {
            errors.Add($"{at}: search domain \"{domain}\" must be a DNS name (letters, digits, '-' and dots)");
        }
    }

    private static void CheckGateway(string gateway, AddressFamily family, string field, string at, List<string> errors)
    {
        if (gateway.Length > 0 && !(IPAddress.TryParse(gateway, out var parsed) && parsed.AddressFamily == family))
        {
            var example = family == AddressFamily.InterNetwork ? "10.20.1.1" : "fd00::1";
            errors.Add($"{at}: {field} \"{gateway}\" must be an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address, e.g. {example}");
        }
    }

    /// <summary>"10.20.1.101/24": an address and a prefix length its family allows (host bits may be set).</summary>
    private static bool IsInterfaceAddress(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = text.AsSpan(slash + 1);
        return prefix.Length is > 0 and <= 3
            && prefix.ToString().All(char.IsAsciiDigit)
            && int.Parse(prefix, System.Globalization.CultureInfo.InvariantCulture) <= max;
    }

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacAddress();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?$")]
    private static partial Regex SearchDomain();
}
