using System.Collections.Immutable;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Convergence;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Core;

public sealed class VmStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly VmPolicy Policy = new(TimeSpan.FromSeconds(60), new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), TimeSpan.FromMinutes(1));
    private static readonly VmSpec Spec = TestSpecs.Vm("vm-1", userData: "hello");
    private static readonly string Hash = SpecHash.Of(Spec);
    private static readonly string UserDataSha = SpecHash.UserDataSha256(Spec);
    private static readonly InstanceRecord Instance = new(42, 1000, "qemu-system-x86_64", ["/state/vms/vm-1/"], ImmutableSortedDictionary<string, string>.Empty);

    [Fact]
    public void Decide_PendingWithoutInstance_Starts()
    {
        var decision = Decide(Record(VmState.Pending), InstanceView.None);

        Assert.Equal(VmEffect.Start, decision.Effect);
    }

    [Fact]
    public void Decide_CreatingAndReadyMarkerWithMatchingHash_Running()
    {
        var decision = Decide(Record(VmState.Creating), InstanceView.Alive, ready: new ReadyMarker("vm-1", UserDataSha));

        Assert.Equal(VmState.Running, decision.Record.State);
        Assert.Equal(VmEffect.None, decision.Effect);
    }

    [Fact]
    public void Decide_ReadyMarkerWithWrongHash_FailedAndKilled()
    {
        var decision = Decide(Record(VmState.Creating), InstanceView.Alive, ready: new ReadyMarker("vm-1", new string('0', 64)));

        Assert.Equal(VmState.Failed, decision.Record.State);
        Assert.Equal(VmEffect.Kill, decision.Effect);
        Assert.Contains("user-data mismatch", decision.Record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CreatingBeforeDeadline_WaitsUntilDeadline()
    {
        var decision = Decide(Record(VmState.Creating), InstanceView.Alive, now: T0.AddSeconds(10));

        Assert.Equal(VmEffect.None, decision.Effect);
        Assert.Equal(T0.AddSeconds(60), decision.WakeAt);
    }

    [Fact]
    public void Decide_CreatingPastDeadline_FailedWithConsoleLinesAndKilled()
    {
        var decision = Decide(Record(VmState.Creating), InstanceView.Alive, now: T0.AddSeconds(61), console: ["early boot", "Kernel panic - not syncing"]);

        Assert.Equal(VmState.Failed, decision.Record.State);
        Assert.Equal(VmEffect.Kill, decision.Effect);
        Assert.Contains("boot deadline of 60 s", decision.Record.Reason, StringComparison.Ordinal);
        Assert.Contains("Kernel panic - not syncing", decision.Record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RunningVmmExited_FailedWithExitReasonAndBackoff()
    {
        var exit = VmExit.FromExitCode(42, 128 + 9);

        var decision = Decide(Record(VmState.Running), InstanceView.Exited, exit: exit, now: T0.AddSeconds(5), console: ["last words"]);

        Assert.Equal(VmState.Failed, decision.Record.State);
        Assert.Contains("killed by signal 9 (SIGKILL)", decision.Record.Reason, StringComparison.Ordinal);
        Assert.Contains("last words", decision.Record.Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(6), decision.Record.RetryAt);
        Assert.Null(decision.Record.Instance);
    }

    [Fact]
    public void Decide_FailedBeforeRetryTime_WaitsForRetryTime()
    {
        var failed = Record(VmState.Failed) with { Instance = null, RetryAt = T0.AddSeconds(4) };

        var decision = Decide(failed, InstanceView.None, now: T0.AddSeconds(1));

        Assert.Equal(VmEffect.None, decision.Effect);
        Assert.Equal(T0.AddSeconds(4), decision.WakeAt);
    }

    [Fact]
    public void Decide_FailedAfterRetryTime_StartsAndCountsRestart()
    {
        var failed = Record(VmState.Failed) with { Instance = null, RetryAt = T0.AddSeconds(4), Restarts = 2 };

        var decision = Decide(failed, InstanceView.None, now: T0.AddSeconds(4));
        var started = VmStateMachine.Started(decision.Record, Instance, "started", T0.AddSeconds(4));

        Assert.Equal(VmEffect.Start, decision.Effect);
        Assert.Equal(VmState.Creating, started.State);
        Assert.Equal(3, started.Restarts);
    }

    [Fact]
    public void Decide_NotDesiredAndAlive_DeletingThenStop()
    {
        var decision = Decide(Record(VmState.Running), InstanceView.Alive, notDesired: true);

        Assert.Equal(VmState.Deleting, decision.Record.State);
        Assert.Equal(VmEffect.Stop, decision.Effect);
    }

    [Fact]
    public void Decide_NotDesiredAndGone_Forget()
    {
        var decision = Decide(Record(VmState.Deleting) with { Instance = null }, InstanceView.None, notDesired: true);

        Assert.Equal(VmEffect.Forget, decision.Effect);
    }

    [Fact]
    public void Decide_HashChangedWhileRunning_StopsFirst()
    {
        var changed = Spec with { Vcpu = 2 };

        var decision = Decide(Record(VmState.Running), InstanceView.Alive, desired: changed);

        Assert.Equal(VmState.Deleting, decision.Record.State);
        Assert.Equal(VmEffect.Stop, decision.Effect);
        Assert.Contains("spec changed", decision.Record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_HashChangedAfterStop_FreshPendingRecordWithNewHash()
    {
        var changed = Spec with { Vcpu = 2 };
        var stopped = Record(VmState.Deleting) with { Instance = null, Restarts = 4 };

        var decision = Decide(stopped, InstanceView.None, desired: changed);

        Assert.Equal(VmState.Pending, decision.Record.State);
        Assert.Equal(SpecHash.Of(changed), decision.Record.Hash);
        Assert.Equal(0, decision.Record.Restarts);
    }

    [Fact]
    public void Decide_RunningAndAlive_IsAFixedPoint()
    {
        var record = Record(VmState.Running);

        var decision = Decide(record, InstanceView.Alive);

        Assert.Same(record, decision.Record);
        Assert.Equal(VmEffect.None, decision.Effect);
        Assert.Null(decision.WakeAt);
    }

    [Fact]
    public void Decide_PendingWithAdoptedInstance_CreatingWithoutStartingAnother()
    {
        var decision = Decide(Record(VmState.Pending), InstanceView.Alive);

        Assert.Equal(VmState.Creating, decision.Record.State);
        Assert.Equal(VmEffect.None, decision.Effect);
    }

    [Fact]
    public void Failed_AfterStableRun_BackoffStartsOver()
    {
        var running = Record(VmState.Running) with { ConsecutiveFailures = 5 };

        var failed = VmStateMachine.Failed(running, "boom", T0.AddMinutes(5), Policy);

        Assert.Equal(1, failed.ConsecutiveFailures);
        Assert.Equal(T0.AddMinutes(5).AddSeconds(1), failed.RetryAt);
    }

    [Fact]
    public void Failed_RepeatedQuickly_BackoffDoubles()
    {
        var creating = Record(VmState.Creating) with { ConsecutiveFailures = 3 };

        var failed = VmStateMachine.Failed(creating, "boom", T0.AddSeconds(1), Policy);

        Assert.Equal(4, failed.ConsecutiveFailures);
        Assert.Equal(T0.AddSeconds(1 + 8), failed.RetryAt);
    }

    private static VmRecord Record(VmState state) => new()
    {
        Id = "vm-1",
        Hash = Hash,
        State = state,
        Since = T0,
        Instance = Instance,
    };

    private static VmDecision Decide(
        VmRecord record,
        InstanceView instance,
        ReadyMarker? ready = null,
        VmExit? exit = null,
        DateTimeOffset? now = null,
        IReadOnlyList<string>? console = null,
        VmSpec? desired = null,
        bool notDesired = false)
    {
        var spec = notDesired ? null : desired ?? Spec;
        return VmStateMachine.Decide(
            new VmObservation
            {
                Record = record,
                Desired = spec,
                DesiredHash = spec is null ? string.Empty : SpecHash.Of(spec),
                ExpectedUserDataSha256 = UserDataSha,
                Instance = instance,
                Ready = ready,
                Exit = exit,
                ConsoleTail = console ?? [],
                Now = now ?? T0,
            },
            Policy);
    }
}
