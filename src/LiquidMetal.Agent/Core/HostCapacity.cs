namespace LiquidMetal.Agent.Core;

/// <summary>What the host offers and how much of it the desired VMs take.</summary>
public sealed record HostCapacity(int Cpu, long MemoryMiB, int AllocatedVcpu, long AllocatedMemoryMiB);
