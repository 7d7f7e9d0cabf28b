namespace LiquidMetal.Reconciler.Leadership;

/// <summary>No election: the one reconciler leads from start to stop, in a single term that never ends.</summary>
public sealed class SoleLeader : ILeadership
{
    private static readonly Task<LeaderTerm> Term = Task.FromResult(new LeaderTerm(1, CancellationToken.None));

    public static SoleLeader Instance { get; } = new();

    public LeadershipView View { get; } = new(Leading: true, Leader: null);

    public Task<LeaderTerm> WaitToLeadAsync(CancellationToken cancellationToken) => Term;
}
