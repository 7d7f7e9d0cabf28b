namespace LiquidMetal.Agent.Supervision;

/// <summary>What a VM supervisor reports to the agent core.</summary>
internal interface ISupervisorOwner
{
    /// <summary>The supervisor's record changed: publish the status and persist it (a short write, not cancellable).</summary>
    Task ChangedAsync();

    /// <summary>The VM is gone and not desired; true when the owner dropped the supervisor (it was not desired again meanwhile).</summary>
    Task<bool> TryRetireAsync(VmSupervisor supervisor, CancellationToken cancellationToken);
}
