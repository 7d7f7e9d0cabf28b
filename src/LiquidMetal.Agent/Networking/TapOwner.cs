using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Agent.Networking;

/// <summary>
/// The mark the agent writes into the ifalias of every tap it makes: which agent (by its state folder) and which VM,
/// e.g. "liquidmetal state=/var/lib/liquidmetal vm=a-cp-1", which `ip link` shows a person too. The "lm" name prefix
/// alone proves nothing: other agents on the same host (one per state folder) and people may use it.
/// </summary>
internal static class TapOwner
{
    private const string Start = "liquidmetal state=";
    private const string VmField = " vm=";

    // ifalias holds 255 bytes; a VM id takes up to 63 of them.
    private const int MaxPathBytes = 160;

    /// <summary>The state folder's full path, or for a long (or spaced) one "sha256-" and 12 hex digits of it.</summary>
    public static string AgentMark(string stateDirectory)
    {
        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateDirectory));
        return Encoding.UTF8.GetByteCount(path) <= MaxPathBytes && !path.Any(char.IsWhiteSpace)
            ? path
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..12];
    }

    public static string Alias(string agentMark, string vmId) => Start + agentMark + VmField + vmId;

    /// <summary>The VM id when <paramref name="alias"/> is this agent's mark; null for anyone else's device.</summary>
    public static string? VmOf(string alias, string agentMark)
    {
        var prefix = Start + agentMark + VmField;
        if (!alias.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var vm = alias[prefix.Length..];
        return vm.Length > 0 && !vm.Any(char.IsWhiteSpace) ? vm : null;
    }
}
