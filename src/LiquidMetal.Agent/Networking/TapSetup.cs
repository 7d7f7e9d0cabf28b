namespace LiquidMetal.Agent.Networking;

/// <summary>One tap to make for a VM's NIC: where it goes on the host.</summary>
/// <param name="Bridge">The bridge it joins; null for an unconnected NIC.</param>
/// <param name="Vlan">The port's VLAN; 0 for none.</param>
/// <param name="DefaultPvid">The bridge's default_pvid, which the port gets on joining and loses when it has its own VLAN.</param>
internal sealed record TapSetup(string Tap, string Nic, string? Bridge, int Vlan, int DefaultPvid);
