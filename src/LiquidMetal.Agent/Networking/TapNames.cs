using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Agent.Networking;

/// <summary>Names of the host tap devices the agent makes: "lm", 12 hex digits of the VM id's hash, the NIC's position.</summary>
internal static class TapNames
{
    public const string Prefix = "lm";

    /// <summary>Linux interface names hold 15 characters, which leaves one hex digit for the position.</summary>
    public const int MaxNicsPerVm = 16;

    public static string For(string vmId, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxNicsPerVm);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(vmId)))[..12];
        return Prefix + hash + index.ToString("x", CultureInfo.InvariantCulture);
    }
}
