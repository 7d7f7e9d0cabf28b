using LiquidMetal.Fleet.Rendering;
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

        // What a compile from that placement would give: the same hosts, addresses included.
        var fresh = await new CompileCache().CompileAsync(source, source.Head, first.Hosts, CancellationToken.None);
        Assert.Equal(fresh.Hosts.Select(RenderedHostYaml.Write), second.Hosts.Select(RenderedHostYaml.Write));

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

    [Fact]
    public async Task CompileAsync_AFailedCompile_IsTakenAgainOnlyForTheVeryPlacementItWasGiven()
    {
        var source = FakeFleetSource.Example();
        var cache = new CompileCache();
        var good = await cache.CompileAsync(source, source.Head, [], CancellationToken.None);
        var broken = source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: lots");

        var failed = await cache.CompileAsync(source, broken, good.Hosts, CancellationToken.None);
        var same = await cache.CompileAsync(source, broken, good.Hosts, CancellationToken.None);
        var fromNothing = await cache.CompileAsync(source, broken, [], CancellationToken.None); // a failed compile made no placement

        Assert.False(failed.Compiled.Succeeded);
        Assert.Same(failed.Compiled, same.Compiled);
        Assert.NotSame(failed.Compiled, fromNothing.Compiled);
    }
}
