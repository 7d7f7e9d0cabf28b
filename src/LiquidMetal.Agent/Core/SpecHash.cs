using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Agent.Core;

/// <summary>Hashes that decide whether a VM must be replaced and whether its guest saw the right user-data.</summary>
internal static class SpecHash
{
    /// <summary>The reconciler's hash when it sent one; otherwise a hash of every field that shapes the VM.</summary>
    public static string Of(VmSpec spec)
    {
        if (!string.IsNullOrEmpty(spec.ContentHash))
        {
            return spec.ContentHash;
        }

        // Length-prefixed fields, so no two different specs serialize alike.
        var text = new StringBuilder();
        void Add(string? value) => text.Append(value?.Length ?? -1).Append(':').Append(value).Append(';');
        void AddList(IReadOnlyCollection<string> values)
        {
            Add(Number(values.Count));
            foreach (var value in values)
            {
                Add(value);
            }
        }

        Add(spec.Id);
        Add(spec.Cluster);
        Add(spec.Role);
        Add(Number(spec.Vcpu));
        Add(Number(spec.MemoryMiB));
        Add(spec.Kernel);
        Add(spec.Initrd);
        Add(spec.RootVolume);
        Add(spec.KernelArgs);
        Add(spec.UserData);
        if (spec.Nics.IsDefaultOrEmpty)
        {
            // What a spec without a network always hashed to, so an agent upgrade does not replace such VMs.
            Add(null);
            Add(null);
        }
        else
        {
            Add("nics");
            Add(Number(spec.Nics.Length));
            foreach (var nic in spec.Nics)
            {
                Add(nic.Name);
                Add(nic.Mac);
                Add(nic.Tap);
                Add(nic.Network);
                Add(nic.Bridge);
                Add(Number(nic.Vlan));
                AddList(nic.Addresses);
                Add(nic.Gateway4);
                Add(nic.Gateway6);
                AddList(nic.Nameservers);
                AddList(nic.SearchDomains);
            }
        }

        foreach (var (key, value) in spec.Metadata)
        {
            Add(key);
            Add(value);
        }

        return "sha256:" + Sha256Hex(text.ToString());
    }

    /// <summary>
    /// The NoCloud instance-id: the VM id and 12 hex digits of its spec hash, so cloud-init in a replaced VM (a new
    /// spec) sees a new instance, and a person can match it to the hash in status.
    /// </summary>
    public static string InstanceId(VmSpec spec)
    {
        var hash = Of(spec);
        var hex = hash.StartsWith("sha256:", StringComparison.Ordinal) ? hash["sha256:".Length..] : string.Empty;
        if (hex.Length < 12 || !hex.All(char.IsAsciiHexDigitLower))
        {
            // A reconciler hash of another shape: still derived from it, still safe in a file name or a YAML word.
            hex = Sha256Hex(hash);
        }

        return $"{spec.Id}-{hex[..12]}";
    }

    /// <summary>What the guest prints in its ready marker when it read the user-data intact.</summary>
    public static string UserDataSha256(VmSpec spec) => Sha256Hex(spec.UserData);

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
