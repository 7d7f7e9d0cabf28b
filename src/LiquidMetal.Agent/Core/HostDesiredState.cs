using System.Collections.Immutable;

namespace LiquidMetal.Agent.Core;

/// <summary>Everything one host must run, as a whole: what is not listed must not run.</summary>
public sealed record HostDesiredState
{
    /// <summary>Increases with every change the reconciler makes; an older generation, or the applied one with other work, is refused.</summary>
    public long Generation { get; init; }

    public ImmutableArray<VmSpec> Vms { get; init; } = [];

    public MetalAssignment? Metal { get; init; }

    /// <summary>The reconciler's hash of the whole host spec, reported back in status so it can tell it is applied.</summary>
    public string SpecHash { get; init; } = string.Empty;
}
