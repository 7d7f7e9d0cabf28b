namespace LiquidMetal.Reconciler.Leadership;

/// <summary>
/// Which Lease the replicas compete for and its timing. The defaults are client-go's: a leader that cannot renew for
/// <see cref="RenewDeadline"/> stops passing, and only <see cref="LeaseDuration"/> after its last renewal can another
/// take over, so the gap between the two is the time the old leader has to cancel its pass.
/// </summary>
public sealed record LeaseElectionOptions
{
    /// <summary>The Lease's default name.</summary>
    public const string DefaultLeaseName = "liquidmetal-reconciler";

    public required string Namespace { get; init; }

    public string LeaseName { get; init; } = DefaultLeaseName;

    /// <summary>This replica's name in the Lease's <c>holderIdentity</c>: unique among the replicas (the pod's name).</summary>
    public required string Identity { get; init; }

    /// <summary>How long a holder's lease lasts after its last renewal; whole seconds, as the Lease stores it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader renews and a follower looks whether the lease is free.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>What is wrong with these options, as one line each; empty when they can work.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add($"the lease duration {LeaseDuration.TotalSeconds} s must be a whole number of seconds, 1 or more (a Lease stores whole seconds)");
        }

        if (RenewDeadline >= LeaseDuration)
        {
            problems.Add($"the renew deadline {RenewDeadline.TotalSeconds} s must be shorter than the lease duration {LeaseDuration.TotalSeconds} s, or a leader that cannot renew would still pass after another took over");
        }

        if (RetryPeriod <= TimeSpan.Zero || RetryPeriod >= RenewDeadline)
        {
            problems.Add($"the retry period {RetryPeriod.TotalSeconds} s must be more than 0 and shorter than the renew deadline {RenewDeadline.TotalSeconds} s, or the leader could not renew in time");
        }

        if (string.IsNullOrWhiteSpace(Namespace) || string.IsNullOrWhiteSpace(LeaseName) || string.IsNullOrWhiteSpace(Identity))
        {
            problems.Add("the namespace, the lease name and the identity must not be empty");
        }

        return problems;
    }
}
