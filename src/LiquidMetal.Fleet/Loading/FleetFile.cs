namespace LiquidMetal.Fleet.Loading;

/// <summary>One file of a fleet repo: its path relative to the fleet root ('/'-separated) and its raw bytes.</summary>
public sealed record FleetFile(string Path, byte[] Content);
