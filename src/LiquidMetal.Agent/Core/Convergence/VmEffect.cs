namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>The one side effect a decision asks the supervisor to perform.</summary>
internal enum VmEffect
{
    None,

    /// <summary>Start a VMM (after checking that none runs for this VM already).</summary>
    Start,

    /// <summary>Stop the VMM gracefully, killing it after the stop timeout.</summary>
    Stop,

    /// <summary>Kill the VMM at once (a failed boot).</summary>
    Kill,

    /// <summary>The VM is gone and not desired: drop its record and folder.</summary>
    Forget,
}
