using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using Microsoft.Extensions.Time.Testing;

namespace LiquidMetal.Reconciler.Tests.Hosting;

/// <summary>/readyz's answer, from when passes start and finish on the reconciler's (fake) clock.</summary>
public sealed class ReadinessTests
{
    private static readonly TimeSpan LongestPass = TimeSpan.FromMinutes(75);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    // Three poll intervals and five minutes without a pass: the loop is stuck.
    private static readonly TimeSpan Quiet = PollInterval * 3 + TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _time = new();
    private readonly Readiness _readiness;

    public ReadinessTests() => _readiness = new Readiness(_time, LongestPass, PollInterval);

    [Fact]
    public void Evaluate_NoPassYet_NotReady()
    {
        Assert.Equal((false, "not ready: no reconcile has finished yet"), _readiness.Evaluate());
        Assert.Null(_readiness.Last);
    }

    [Fact]
    public void Evaluate_FirstPassRunning_NotReadyUntilItFinishes()
    {
        _readiness.PassStarted();
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal((false, "not ready: no reconcile has finished yet"), _readiness.Evaluate());
    }

    [Theory]
    [InlineData(ReconcileOutcome.Converged, "ready: revision abc, converged")]
    [InlineData(ReconcileOutcome.Idle, "ready: revision abc, converged")]
    [InlineData(ReconcileOutcome.Converging, "ready: revision abc, converging")]
    [InlineData(ReconcileOutcome.Rejected, "ready: revision abc rejected (1 error(s)); what ran keeps running")]
    public void Evaluate_LastPassFinished_ReadyAndSaysHowItEnded(ReconcileOutcome outcome, string text)
    {
        var result = Finished(outcome);

        Assert.Equal((true, text), _readiness.Evaluate());
        Assert.Same(result, _readiness.Last);
    }

    [Fact]
    public void Evaluate_LastPassFailed_NotReadyWithItsError()
    {
        _readiness.PassStarted();
        _readiness.PassFinished(ReconcileResult.Failed("git fetch: no answer from the remote", TimeSpan.Zero));

        Assert.Equal((false, "not ready: git fetch: no answer from the remote"), _readiness.Evaluate());
    }

    [Fact]
    public void Evaluate_APassFailedThenOneConverged_ReadyAgain()
    {
        _readiness.PassStarted();
        _readiness.PassFinished(ReconcileResult.Failed("unreachable", TimeSpan.Zero));
        Finished(ReconcileOutcome.Converged);

        Assert.True(_readiness.Evaluate().Ready);
    }

    [Fact]
    public void Evaluate_PassRunningForTheLongestHealthyTime_ReadyUntilItRunsLonger()
    {
        Finished(ReconcileOutcome.Converged);
        _readiness.PassStarted();

        _time.Advance(LongestPass);
        Assert.True(_readiness.Evaluate().Ready);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((false, "not ready: a reconcile has run for 4501 s, longer than any healthy one"), _readiness.Evaluate());
    }

    [Fact]
    public void Evaluate_NoPassForThreePollIntervalsAndFiveMinutes_ReadyUntilALittleLonger()
    {
        Finished(ReconcileOutcome.Converged);

        _time.Advance(Quiet);
        Assert.True(_readiness.Evaluate().Ready);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((false, "not ready: no reconcile has run for 391 s"), _readiness.Evaluate());
    }

    [Fact]
    public void Evaluate_PassStartedAfterALongQuiet_JudgedByTheRunningPassNotTheQuiet()
    {
        Finished(ReconcileOutcome.Converged);
        _time.Advance(Quiet * 2);
        _readiness.PassStarted();

        Assert.True(_readiness.Evaluate().Ready);
    }

    private ReconcileResult Finished(ReconcileOutcome outcome)
    {
        ImmutableArray<Diagnostic> errors = outcome == ReconcileOutcome.Rejected ? [new Diagnostic(SourceLocation.OfFile("fleet.yaml"), "broken")] : [];
        var result = new ReconcileResult(outcome, "abc", null, errors, new PassTimings(TimeSpan.FromSeconds(1)));
        _readiness.PassStarted();
        _time.Advance(TimeSpan.FromSeconds(1));
        _readiness.PassFinished(result);
        return result;
    }
}
