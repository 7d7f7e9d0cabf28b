using System.Collections.Immutable;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Persistence;

public sealed class StateStoreTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public void Open_FolderHeldByAnotherStore_Throws()
    {
        using var first = StateStore.Open(_dir.Path);

        var e = Assert.Throws<StateDirectoryInUseException>(() => StateStore.Open(_dir.Path));
        Assert.Contains($"pid {Environment.ProcessId}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AfterHolderDisposed_Succeeds()
    {
        StateStore.Open(_dir.Path).Dispose();

        using var second = StateStore.Open(_dir.Path);

        Assert.Equal(_dir.Path, second.Directory);
    }

    [Fact]
    public async Task SaveAndLoad_DesiredAndObserved_RoundTrip()
    {
        var desired = TestSpecs.Desired(7, TestSpecs.Vm("a", userData: "#cloud-config") with { Metadata = ImmutableSortedDictionary<string, string>.Empty.Add("k", "v") });
        var record = VmRecord.For(desired.Vms[0], "h1", DateTimeOffset.UnixEpoch) with
        {
            State = VmState.Running,
            Instance = new InstanceRecord(12, 34, "qemu-system-x86_64", ["/x/"], ImmutableSortedDictionary<string, string>.Empty.Add("accel", "tcg")),
        };
        using (var store = StateStore.Open(_dir.Path))
        {
            await store.SaveDesiredAsync(desired);
            await store.SaveObservedAsync(() => new ObservedState { ObservedGeneration = 7, Vms = [record] });
        }

        using var reopened = StateStore.Open(_dir.Path);
        var loadedDesired = reopened.LoadDesired()!;
        var loadedRecord = reopened.LoadObserved()!.Vms.Single();

        Assert.Equal(7, loadedDesired.Generation);
        Assert.Equal("#cloud-config", loadedDesired.Vms.Single().UserData);
        Assert.Equal("v", loadedDesired.Vms.Single().Metadata["k"]);
        Assert.Equal(VmState.Running, loadedRecord.State);
        Assert.Equal(12, loadedRecord.Instance!.Pid);
        Assert.Equal(34UL, loadedRecord.Instance.StartTime);
        Assert.Equal("qemu-system-x86_64", loadedRecord.Instance.Program);
        Assert.Equal(new[] { "/x/" }, loadedRecord.Instance.Markers.ToArray());
        Assert.Equal("tcg", loadedRecord.Instance.Details["accel"]);
    }

    [Fact]
    public async Task SaveObserved_ChangesWhileAWriteIsInFlight_ShareOneLaterWriteThatHoldsTheLastOfThem()
    {
        using var store = StateStore.Open(_dir.Path);
        using var firstTaken = new SemaphoreSlim(0);
        using var releaseFirst = new SemaphoreSlim(0);
        var snapshots = 0;
        var latest = 0L;
        ObservedState Snapshot()
        {
            if (Interlocked.Increment(ref snapshots) == 1)
            {
                firstTaken.Release();
                releaseFirst.Wait(TimeSpan.FromSeconds(30)); // the first write is in flight until the test lets it go
            }

            return new ObservedState { ObservedGeneration = Interlocked.Read(ref latest) };
        }

        latest = 1;
        var first = store.SaveObservedAsync(Snapshot);
        Assert.True(await firstTaken.WaitAsync(TimeSpan.FromSeconds(30)));

        // Fifty changes while the first write holds its older snapshot: none may finish before a write that includes it.
        var later = new List<Task>();
        for (var generation = 2; generation <= 51; generation++)
        {
            Interlocked.Exchange(ref latest, generation);
            later.Add(store.SaveObservedAsync(Snapshot));
        }

        await Task.Delay(100);
        Assert.All(later, t => Assert.False(t.IsCompleted));
        releaseFirst.Release();
        await first;
        await Task.WhenAll(later);

        Assert.Equal(2, Volatile.Read(ref snapshots)); // the fifty shared one write
        Assert.Equal(51, store.LoadObserved()!.ObservedGeneration);
    }

    [Fact]
    public void LoadObserved_FreshFolder_Null()
    {
        using var store = StateStore.Open(_dir.Path);

        Assert.Null(store.LoadObserved());
        Assert.Null(store.LoadDesired());
    }

    public void Dispose() => _dir.Dispose();
}
