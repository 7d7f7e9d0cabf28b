namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>
/// The per-VM convergence rules, pure: given what was measured, the next state and the one
/// side effect to perform. Deciding again on the same observation changes nothing, so a
/// supervisor that crashes between deciding and acting just decides again.
/// </summary>
internal static class VmStateMachine
{
    private const int MaxReasonLength = 2000;
    private const int ConsoleLinesInReason = 6;

    public static VmDecision Decide(VmObservation o, VmPolicy policy)
    {
        var record = o.Record;
        var alive = o.Instance == InstanceView.Alive;

        if (o.Desired is null)
        {
            return alive
                ? Stopping(o, "removed from the desired state")
                : new VmDecision(record, VmEffect.Forget);
        }

        if (!string.Equals(o.DesiredHash, record.Hash, StringComparison.Ordinal))
        {
            if (alive)
            {
                return Stopping(o, $"spec changed ({Short(record.Hash)} -> {Short(o.DesiredHash)}): replacing the VM");
            }

            // VMs are immutable: the replacement starts from a clean record.
            var fresh = VmRecord.For(o.Desired, o.DesiredHash, o.Now) with { Reason = "spec changed: creating the replacement" };
            return new VmDecision(fresh, VmEffect.None);
        }

        return alive ? DecideAlive(o, policy) : DecideNotAlive(o, policy);
    }

    /// <summary>The record after a VMM was started (or an orphaned one adopted) for it.</summary>
    public static VmRecord Started(VmRecord record, InstanceRecord instance, string reason, DateTimeOffset now) =>
        (record with
        {
            Instance = instance,
            Restarts = record.State == VmState.Failed ? record.Restarts + 1 : record.Restarts,
            RetryAt = null,
        }).MoveTo(VmState.Creating, reason, now) with { Since = now };

    /// <summary>The record after a failure: Failed with a reason and a retry time from the backoff.</summary>
    public static VmRecord Failed(VmRecord record, string reason, DateTimeOffset now, VmPolicy policy)
    {
        // A VM that ran stably before it failed has earned a fresh backoff.
        var ranStably = record.State == VmState.Running && now - record.Since >= policy.StableAfter;
        var failures = ranStably ? 1 : record.ConsecutiveFailures + 1;
        return record.MoveTo(VmState.Failed, Truncate(reason), now) with
        {
            Since = now,
            ConsecutiveFailures = failures,
            RetryAt = now + policy.Backoff.Delay(failures),
        };
    }

    /// <summary>Appends the last console lines to a failure reason.</summary>
    public static string WithConsole(string reason, IReadOnlyList<string> consoleTail)
    {
        var lines = consoleTail.Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(ConsoleLinesInReason).ToArray();
        return lines.Length == 0
            ? reason + "; the console printed nothing"
            : reason + "; last console lines: " + string.Join(" | ", lines.Select(l => l.Trim()));
    }

    private static VmDecision DecideAlive(VmObservation o, VmPolicy policy)
    {
        var record = o.Record;
        switch (record.State)
        {
            case VmState.Pending:
                // A VMM found running for a VM we had not started yet: an agent crash between start and save.
                return new VmDecision(record.MoveTo(VmState.Creating, "VMM found running; waiting for the guest's ready marker", o.Now), VmEffect.None);

            case VmState.Creating:
                if (o.Ready is { } ready)
                {
                    if (string.Equals(ready.UserDataSha256, o.ExpectedUserDataSha256, StringComparison.Ordinal))
                    {
                        return new VmDecision(record.MoveTo(VmState.Running, "guest ready: ready marker seen, user-data intact", o.Now), VmEffect.None);
                    }

                    var mismatch = $"user-data mismatch: the guest read sha256 {ready.UserDataSha256}, the spec has {o.ExpectedUserDataSha256}";
                    return new VmDecision(Failed(record, mismatch, o.Now, policy), VmEffect.Kill);
                }

                var deadline = record.Since + policy.BootDeadline;
                if (o.Now >= deadline)
                {
                    var reason = WithConsole($"no ready marker within the boot deadline of {policy.BootDeadline.TotalSeconds:0.#} s", o.ConsoleTail);
                    return new VmDecision(Failed(record, reason, o.Now, policy), VmEffect.Kill);
                }

                return new VmDecision(record, VmEffect.None, deadline);

            case VmState.Running:
                return new VmDecision(record, VmEffect.None);

            case VmState.Failed:
                // The failure was recorded but the VMM still runs (the kill was interrupted): finish it.
                return new VmDecision(record, VmEffect.Kill);

            default:
                // Deleting: an interrupted stop; finish it, then the spec decides what comes next.
                return new VmDecision(record, VmEffect.Stop);
        }
    }

    private static VmDecision DecideNotAlive(VmObservation o, VmPolicy policy)
    {
        var record = o.Record;
        switch (record.State)
        {
            case VmState.Creating:
            case VmState.Running:
                var exit = o.Exit?.Description ?? "VMM is gone";
                var failed = Failed(record, WithConsole(exit, o.ConsoleTail), o.Now, policy);
                return new VmDecision(failed with { Instance = null }, VmEffect.None, failed.RetryAt);

            case VmState.Failed:
                if (record.Instance is not null)
                {
                    return new VmDecision(record with { Instance = null }, VmEffect.None, record.RetryAt);
                }

                return record.RetryAt is { } retryAt && o.Now < retryAt
                    ? new VmDecision(record, VmEffect.None, retryAt)
                    : new VmDecision(record, VmEffect.Start);

            case VmState.Deleting:
                return new VmDecision(record.MoveTo(VmState.Pending, "stopped; starting again", o.Now) with { Instance = null }, VmEffect.None);

            default:
                return new VmDecision(record, VmEffect.Start);
        }
    }

    private static VmDecision Stopping(VmObservation o, string reason)
    {
        var record = o.Record.State == VmState.Deleting ? o.Record : o.Record.MoveTo(VmState.Deleting, reason, o.Now);
        return new VmDecision(record, VmEffect.Stop);
    }

    private static string Short(string hash)
    {
        var value = hash.StartsWith("sha256:", StringComparison.Ordinal) ? hash["sha256:".Length..] : hash;
        return value.Length > 12 ? value[..12] : value;
    }

    private static string Truncate(string reason) =>
        reason.Length <= MaxReasonLength ? reason : reason[..(MaxReasonLength - 3)] + "...";
}
