using System.Diagnostics;
using System.Text.Json;
using LiquidMetal.Agent.Networking;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Reads and cleans the real taps agents in tests made.</summary>
internal static class HostTaps
{
    /// <summary>Removes the taps of agents whose state folder lies under <paramref name="folder"/>, waiting briefly for killed VMMs to let go.</summary>
    public static void RemoveUnder(string folder)
    {
        if (!Directory.Exists("/sys/class/net"))
        {
            return;
        }

        var devices = new LinuxNetDevices();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = devices.Taps(TapNames.Prefix)
                .Where(t => t.Alias.StartsWith("liquidmetal state=" + folder.TrimEnd('/') + "/", StringComparison.Ordinal))
                .Where(t => !TryRemove(devices, t.Name))
                .ToList();
            if (left.Count == 0 || clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                return;
            }

            Thread.Sleep(100);
        }
    }

    private static bool TryRemove(LinuxNetDevices devices, string tap)
    {
        try
        {
            return devices.RemoveTap(tap);
        }
        catch (IOException)
        {
            return true; // not ours to fight over: the test goes on
        }
    }

    public static bool Exists(string name) => Directory.Exists($"/sys/class/net/{name}");

    public static bool IsUp(string name) => (Convert.ToInt32(File.ReadAllText($"/sys/class/net/{name}/flags").Trim(), 16) & 1) == 1;

    /// <summary>The bridge VLANs of a port and their flags, from `bridge -json vlan show`.</summary>
    public static IReadOnlyList<(int Vlan, string[] Flags)> Vlans(string port)
    {
        var (exit, output, errors) = HostCommands.Run("bridge", "-json", "vlan", "show", "dev", port);
        Assert.True(exit == 0, errors);
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.EnumerateArray()
            .SelectMany(entry => entry.GetProperty("vlans").EnumerateArray())
            .Select(v => (v.GetProperty("vlan").GetInt32(), v.TryGetProperty("flags", out var flags) ? flags.EnumerateArray().Select(f => f.GetString()!).ToArray() : []))];
    }
}
