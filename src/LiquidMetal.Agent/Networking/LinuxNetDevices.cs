using System.Globalization;

namespace LiquidMetal.Agent.Networking;

/// <summary>The host's devices through sysfs (measuring), /dev/net/tun (taps) and iproute2 (bridge ports and VLANs).</summary>
internal sealed class LinuxNetDevices : INetDevices
{
    private const string SysClassNet = "/sys/class/net";
    private const int TapFlag = 0x0002;

    public NetDevice? Find(string name)
    {
        var path = Path.Combine(SysClassNet, name);
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || !Directory.Exists(path))
        {
            return null;
        }

        var master = new FileInfo(Path.Combine(path, "master")).LinkTarget is { } target ? Path.GetFileName(target) : null;
        var alias = Read(Path.Combine(path, "ifalias")) ?? string.Empty;
        if (Directory.Exists(Path.Combine(path, "bridge")))
        {
            return new NetDevice(
                name,
                NetDeviceKind.Bridge,
                alias,
                VlanFiltering: Read(Path.Combine(path, "bridge", "vlan_filtering")) == "1",
                DefaultPvid: int.TryParse(Read(Path.Combine(path, "bridge", "default_pvid")), CultureInfo.InvariantCulture, out var pvid) ? pvid : 0,
                Master: master);
        }

        // tun_flags is hex ("0x1002"); the tap bit tells a tap from a tun.
        var flags = Read(Path.Combine(path, "tun_flags"));
        var isTap = flags is not null && int.TryParse(flags.Replace("0x", string.Empty, StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) && (value & TapFlag) != 0;
        return new NetDevice(name, isTap ? NetDeviceKind.Tap : NetDeviceKind.Other, alias, Master: master);
    }

    public IReadOnlyList<NetDevice> Taps(string prefix) =>
        [.. Directory.EnumerateFileSystemEntries(SysClassNet, prefix + "*")
            .Select(path => Find(Path.GetFileName(path)))
            .OfType<NetDevice>()
            .Where(d => d.Kind == NetDeviceKind.Tap)
            .OrderBy(d => d.Name, StringComparer.Ordinal)];

    public void CreateTap(string name, string alias) =>
        TunDevice.CreatePersistent(name, () => File.WriteAllText(Path.Combine(SysClassNet, name, "ifalias"), alias));

    public bool RemoveTap(string name) => TunDevice.RemovePersistent(name);

    public Task JoinBridgeAsync(string tap, string bridge, CancellationToken cancellationToken) =>
        IpRoute2.RunAsync("ip", ["link", "set", "dev", tap, "master", bridge], cancellationToken);

    public async Task SetVlanAsync(string tap, int vlan, int defaultPvid, CancellationToken cancellationToken)
    {
        var vid = vlan.ToString(CultureInfo.InvariantCulture);
        await IpRoute2.RunAsync("bridge", ["vlan", "add", "dev", tap, "vid", vid, "pvid", "untagged"], cancellationToken);
        if (defaultPvid != 0 && defaultPvid != vlan)
        {
            // Otherwise the port stays in the bridge's default VLAN too, and the guest sees that VLAN's traffic untagged.
            await IpRoute2.RunAsync("bridge", ["vlan", "del", "dev", tap, "vid", defaultPvid.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }
    }

    public Task SetUpAsync(string tap, CancellationToken cancellationToken) =>
        IpRoute2.RunAsync("ip", ["link", "set", "dev", tap, "up"], cancellationToken);

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
