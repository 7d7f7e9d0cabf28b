namespace LiquidMetal.Fleet.Model;

/// <summary>What a microVM boots: kernel, initrd and an optional root volume (paths or URLs as the agent understands them).</summary>
public sealed record ImageRef(string Kernel, string Initrd, string? RootVolume);
