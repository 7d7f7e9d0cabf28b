namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Real-QEMU tests run one after another: TCG guests are CPU-bound and the machine is shared.</summary>
[CollectionDefinition(Name)]
public sealed class QemuCollection
{
    public const string Name = "qemu";
}
