namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>What the supervisor measured about a VM's VMM process.</summary>
internal enum InstanceView
{
    /// <summary>No VMM is known for this VM.</summary>
    None,

    Alive,

    /// <summary>The known VMM has exited.</summary>
    Exited,
}
