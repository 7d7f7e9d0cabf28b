namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// The tests that boot Debian cloud guests under TCG, run one after another: together they would boot five guests at
/// once on a machine that may have two cores, and a guest that misses the agent's boot deadline fails its test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CloudGuestCollection
{
    public const string Name = "Debian cloud guests";
}
