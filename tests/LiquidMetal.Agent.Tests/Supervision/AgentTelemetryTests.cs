using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Core.Validation;
using LiquidMetal.Agent.Providers.Sim;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Supervision;

/// <summary>The agent's metrics, read the way an OpenTelemetry reader reads them (a MeterListener), on the simulator.</summary>
public sealed class AgentTelemetryTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task Metrics_VmsByStateRestartsAppliesAndWatchers_PerHost()
    {
        var host = "metrics-" + Guid.NewGuid().ToString("N")[..8]; // other tests' agents report too; this one is ours
        var values = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AgentTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                tagged[tag.Key] = tag.Value;
            }

            if (Equals(tagged.GetValueOrDefault("host"), host))
            {
                values.Enqueue((instrument.Name, value, tagged));
            }
        });
        listener.Start();
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = _dir.Path,
            HostName = host,
            Provider = ProviderKind.Sim,
            Sim = new SimOptions { BootDelay = TimeSpan.FromMilliseconds(50) },
            ImageDirectories = ["/images"],
            RestartBackoffInitial = TimeSpan.FromMilliseconds(100),
        });

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("a"), TestSpecs.Vm("b")));
        await Assert.ThrowsAsync<DesiredStateValidationException>(() => core.ApplyAsync(TestSpecs.Desired(0, TestSpecs.Vm("c"))));
        await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Has("b", VmState.Running), TimeSpan.FromSeconds(10));
        core.CrashSimulatedVm("a");
        await core.WaitForAsync(s => s.Has("a", VmState.Running) && s.Vm("a").Restarts == 1, TimeSpan.FromSeconds(10));
        using var watching = new CancellationTokenSource();
        await using var watch = core.WatchAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await watch.MoveNextAsync()); // the watch is open once its first status is read
        listener.RecordObservableInstruments();

        Assert.Contains(values, v => v.Instrument == "liquidmetal.agent.vms" && Equals(v.Tags["state"], "Running") && v.Value == 2);
        Assert.Contains(values, v => v.Instrument == "liquidmetal.agent.vm.restarts" && v.Value == 1);
        Assert.Contains(values, v => v.Instrument == "liquidmetal.agent.watchers" && v.Value == 1);
        Assert.Single(values, v => v.Instrument == "liquidmetal.agent.applies" && Equals(v.Tags["outcome"], "accepted"));
        Assert.Single(values, v => v.Instrument == "liquidmetal.agent.applies" && Equals(v.Tags["outcome"], "refused"));
    }

    public void Dispose() => _dir.Dispose();
}
