namespace LiquidMetal.Agent.Core;

/// <summary>The VM's network card: its MAC address and the host tap interface it is wired to.</summary>
public sealed record VmNetwork(string Mac, string Interface);
