namespace LiquidMetal.Agent.Networking;

/// <summary>What the agent measured of one host network device before acting on it.</summary>
/// <param name="Alias">The device's ifalias; the agent marks the taps it made there (see <see cref="TapOwner"/>).</param>
/// <param name="VlanFiltering">For a bridge: whether it honours per-port VLANs.</param>
/// <param name="DefaultPvid">For a bridge: the VLAN a new port gets untagged (1 unless changed; 0 for none).</param>
/// <param name="Master">The bridge the device is a port of, if any.</param>
internal sealed record NetDevice(
    string Name,
    NetDeviceKind Kind,
    string Alias = "",
    bool VlanFiltering = false,
    int DefaultPvid = 0,
    string? Master = null);
