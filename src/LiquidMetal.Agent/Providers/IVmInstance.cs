using LiquidMetal.Agent.Core.Convergence;

namespace LiquidMetal.Agent.Providers;

/// <summary>One running VMM as the supervisor sees it. Disposing stops watching it; the VMM keeps running.</summary>
internal interface IVmInstance : IDisposable
{
    InstanceRecord Record { get; }

    /// <summary>Completes when the VMM exits, saying how; stays pending once disposed.</summary>
    Task<VmExit> Exited { get; }

    /// <summary>Completes when the guest prints the ready marker with this VM's id.</summary>
    Task<ReadyMarker> Ready { get; }

    /// <summary>The last lines of the VMM's own output and of the guest console, freshest last.</summary>
    IReadOnlyList<string> ConsoleTail();

    /// <summary>Asks the guest to power off, kills the VMM when it has not exited after <paramref name="gracePeriod"/>, and waits for the exit.</summary>
    Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken);

    /// <summary>Kills the VMM at once.</summary>
    void Kill();
}
