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
    public void LoadObserved_FreshFolder_Null()
    {
        using var store = StateStore.Open(_dir.Path);

        Assert.Null(store.LoadObserved());
        Assert.Null(store.LoadDesired());
    }

    public void Dispose() => _dir.Dispose();
}
