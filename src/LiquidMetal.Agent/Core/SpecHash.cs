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
        Add(spec.Id);
        Add(spec.Cluster);
        Add(spec.Role);
        Add(spec.Vcpu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(spec.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(spec.Kernel);
        Add(spec.Initrd);
        Add(spec.RootVolume);
        Add(spec.KernelArgs);
        Add(spec.UserData);
        Add(spec.Network?.Mac);
        Add(spec.Network?.Interface);
        foreach (var (key, value) in spec.Metadata)
        {
            Add(key);
            Add(value);
        }

        return "sha256:" + Sha256Hex(text.ToString());
    }

    /// <summary>What the guest prints in its ready marker when it read the user-data intact.</summary>
    public static string UserDataSha256(VmSpec spec) => Sha256Hex(spec.UserData);

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
