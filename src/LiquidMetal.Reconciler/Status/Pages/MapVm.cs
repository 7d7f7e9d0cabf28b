namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>A microVM (or a metal claim, <see cref="Vcpu"/> and <see cref="MemoryMiB"/> 0) as the capacity map draws it; <see cref="State"/> in words.</summary>
public sealed record MapVm(string Id, string Cluster, int Vcpu, long MemoryMiB, string State, MapState Look);
