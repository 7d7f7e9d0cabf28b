namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>The state machine's answer: the VM's next record, one side effect, and when to look again.</summary>
/// <param name="WakeAt">When to decide again without any event (a deadline or a retry time); null waits for an event.</param>
internal sealed record VmDecision(VmRecord Record, VmEffect Effect, DateTimeOffset? WakeAt = null);
