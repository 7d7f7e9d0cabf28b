namespace LiquidMetal.Fleet.Model;

/// <summary>An amount of CPU (whole cores or vCPUs) and memory (MiB).</summary>
public readonly record struct Resources(int Cpu, long MemoryMiB)
{
    public static Resources Zero => default;

    public static Resources operator +(Resources a, Resources b) => new(a.Cpu + b.Cpu, a.MemoryMiB + b.MemoryMiB);

    public static Resources operator -(Resources a, Resources b) => new(a.Cpu - b.Cpu, a.MemoryMiB - b.MemoryMiB);

    public override string ToString() => $"{Cpu} cpu, {MemoryMiB} MiB";
}
