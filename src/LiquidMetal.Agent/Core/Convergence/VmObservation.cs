namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>Everything measured about one VM at one moment: the input of <see cref="VmStateMachine.Decide"/>.</summary>
internal sealed record VmObservation
{
    public required VmRecord Record { get; init; }

    /// <summary>The desired spec, or null when the VM must go away.</summary>
    public VmSpec? Desired { get; init; }

    public string DesiredHash { get; init; } = string.Empty;

    public string ExpectedUserDataSha256 { get; init; } = string.Empty;

    public InstanceView Instance { get; init; }

    public VmExit? Exit { get; init; }

    public ReadyMarker? Ready { get; init; }

    /// <summary>The last lines the VMM and guest printed, for failure reasons.</summary>
    public IReadOnlyList<string> ConsoleTail { get; init; } = [];

    public required DateTimeOffset Now { get; init; }
}
