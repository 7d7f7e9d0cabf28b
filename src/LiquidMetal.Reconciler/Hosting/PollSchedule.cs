using Microsoft.Extensions.Hosting;
using Quartz;

namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// Quartz's schedule of the loop's timed triggers: a poll every interval (with jitter) and a full resync. A scheduler of
/// its own per host, so many reconcilers can share a process (tests, benchmarks).
/// </summary>
public sealed class PollSchedule(ReconcileTrigger trigger, ReconcileLoopOptions options) : IHostedService, IAsyncDisposable
{
    private StandaloneSchedulerFactory? _schedulers;
    private IScheduler? _scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _schedulers = QuartzSchedulerBuilder.Create().Build();
        _scheduler = await _schedulers.GetScheduler(cancellationToken);
        await _scheduler.ScheduleJob(Job("poll"), Every("poll", options.PollInterval), cancellationToken: cancellationToken);
        await _scheduler.ScheduleJob(Job("resync"), Every("resync", options.ResyncInterval), cancellationToken: cancellationToken);
        await _scheduler.Start(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is not null)
        {
            await _scheduler.Shutdown(waitForJobsToComplete: false, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_schedulers is not null)
        {
            await _schedulers.DisposeAsync();
        }
    }

    private IJobDetail Job(string reason) =>
        JobBuilder.Create<RequestReconcileJob>().WithIdentity(reason)
            .UsingJobData(new JobDataMap { [RequestReconcileJob.Trigger] = trigger, [RequestReconcileJob.Reason] = reason })
            .Build();

    private static ITrigger Every(string name, TimeSpan interval) =>
        TriggerBuilder.Create().WithIdentity(name).StartAt(DateTimeOffset.UtcNow + interval).WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()).Build();
}
