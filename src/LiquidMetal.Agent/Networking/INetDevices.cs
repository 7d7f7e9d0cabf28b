namespace LiquidMetal.Agent.Networking;

/// <summary>The host's network devices, as far as the agent reads and changes them: the port behind <see cref="TapNetwork"/>.</summary>
internal interface INetDevices
{
    /// <summary>The device of that name, or null when there is none.</summary>
    NetDevice? Find(string name);

    /// <summary>Every tap whose name starts with <paramref name="prefix"/>.</summary>
    IReadOnlyList<NetDevice> Taps(string prefix);

    /// <summary>Creates a persistent tap carrying <paramref name="alias"/>; fails when any device of that name exists.</summary>
    void CreateTap(string name, string alias);

    /// <summary>Removes a tap; false (and nothing changed) while a process, a VMM, holds it open.</summary>
    bool RemoveTap(string name);

    Task JoinBridgeAsync(string tap, string bridge, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="vlan"/> the port's only VLAN, untagged towards the tap.</summary>
    /// <param name="defaultPvid">The VLAN the port got when it joined (the bridge's default_pvid), dropped unless it is <paramref name="vlan"/>.</param>
    Task SetVlanAsync(string tap, int vlan, int defaultPvid, CancellationToken cancellationToken);

    Task SetUpAsync(string tap, CancellationToken cancellationToken);
}
