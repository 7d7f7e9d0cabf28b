using Quartz;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>A Quartz job that asks for a reconcile: polls after a random tenth of their interval, so many reconcilers do not poll in step.</summary>
[DisallowConcurrentExecution]
internal sealed class RequestReconcileJob : IJob
{
    public const string Reason = "reason";
    public const string Trigger = "trigger";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var map = context.MergedJobDataMap;
        var reason = (string)map[Reason]!;
        if (reason == "poll" && context.Trigger is ISimpleTrigger simple)
        {
            await Task.Delay(simple.RepeatInterval * (Random.Shared.NextDouble() * 0.1), cancellationToken);
        }

        ((ReconcileTrigger)map[Trigger]!).Request(reason);
    }
}
