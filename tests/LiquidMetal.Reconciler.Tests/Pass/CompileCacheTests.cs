using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>When a pass compiles the fleet again and when it takes the last compile as it is.</summary>
public sealed class CompileCacheTests
{
    [Fact]
    public async Task CompileAsync_FromThePlacementItsLastCompileRecorded_TakesThatCompileAsItIs()
    {
        var source = FakeFleetSource.Example();
        var cache = new CompileCache();
        var first = await cache.CompileAsync(source, source.Head, [], CancellationToken.None);
        Assert.True(first.Compiled.Succeeded);
        Assert.Contains(first.Hosts, h => h.Microvms.Any(vm => vm.Interfaces.Any(i => i.Ipv4Address is not null))); // addresses are part of the placement

        // The next pass over the revision starts from what this one recorded on the status branch.
        var second = await cache.CompileAsync(source, source.Head, first.Hosts, CancellationToken.None);

        Assert.Same(first.Compiled, second.Compiled);
        Assert.Same(first.Hosts, second.Hosts);
        Assert.Equal(1, source.FleetReads);

        // And when the hosts were read back from the branch (after another writer moved it): equal records, not these objects.
        var readBack = first.Hosts.Select(h => h with { }).ToList();
        var third = await cache.CompileAsync(source, source.Head, readBack, CancellationToken.None);
        Assert.Same(first.Compiled, third.Compiled);
    }

    [Fact]
    public async Task CompileAsync_FromAPlacementNeitherGaveNorMade_CompilesAgainFromIt()
    {
        var source = FakeFleetSource.Example();
        var cache = new CompileCache();
        var first = await cache.CompileAsync(source, source.Head, [], CancellationToken.None);

        // One host's record missing: its nodes are placed afresh.
        var second = await cache.CompileAsync(source, source.Head, first.Hosts.Skip(1).ToList(), CancellationToken.None);

        Assert.NotSame(first.Compiled, second.Compiled);
        Assert.True(second.Compiled.Succeeded);
        Assert.Equal(1, source.FleetReads); // the revision's files are read once all the same
    }
}
