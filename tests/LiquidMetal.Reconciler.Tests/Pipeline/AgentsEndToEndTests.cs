using System.Text.RegularExpressions;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>Real agents over gRPC that are down, silent, swapped, restarted mid-apply, or replacing control planes.</summary>
public sealed class AgentsEndToEndTests
{
    [Fact]
    public async Task Reconcile_AgentsDownSilentOrSwapped_TheOthersConvergeAndStatusSaysWhichAndWhy()
    {
        await using var fleet = await FleetUnderTest.StartAsync();

        // sled-3's agent is down; sled-2's endpoint becomes a socket that accepts connections and never says a word;
        // sled-4's and sled-5's endpoints are swapped by mistake, so each agent there is the other host.
        await fleet.Agents["sled-3"].Server.DisposeAsync();
        using var blackHole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blackHole.Start();
        var silent = $"http://127.0.0.1:{((System.Net.IPEndPoint)blackHole.LocalEndpoint).Port}";
        fleet.Push("hosts/sled-2.yaml", text => Regex.Replace(text, "endpoint: .*", "endpoint: " + silent), "sled-2 hangs");
        var endpoint = new Regex("endpoint: (\\S+)");
        var fourAt = endpoint.Match(File.ReadAllText(Path.Combine(fleet.Clone, "hosts/sled-4.yaml"))).Groups[1].Value;
        var fiveAt = endpoint.Match(File.ReadAllText(Path.Combine(fleet.Clone, "hosts/sled-5.yaml"))).Groups[1].Value;
        fleet.Push("hosts/sled-4.yaml", text => text.Replace(fourAt, fiveAt, StringComparison.Ordinal), "swap two endpoints by mistake");
        fleet.Push("hosts/sled-5.yaml", text => text.Replace(fiveAt, fourAt, StringComparison.Ordinal), "swap two endpoints by mistake");
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { AgentCallTimeout = TimeSpan.FromMilliseconds(500) });

        ReconcileResult result = null!;
        var sled1 = fleet.Agents["sled-1"].Core;
        for (var i = 0; i < 20 && !(sled1.GetStatus().Vms.Length > 0 && sled1.GetStatus().Vms.All(v => v.State == Agent.Core.VmState.Running)); i++)
        {
            result = await reconciler.RunAsync();
            Assert.True(result.Duration < TimeSpan.FromSeconds(5), $"one pass took {result.Duration.TotalSeconds:0.0} s with one silent agent");
        }

        Assert.False(result.Converged);
        Assert.All(sled1.GetStatus().Vms, vm => Assert.Equal(Agent.Core.VmState.Running, vm.State));
        Assert.Contains("unreachable: sled-2, sled-3, sled-4, sled-5", fleet.StatusFile("status/fleet.yaml"));
        Assert.Contains("reachable: false", fleet.StatusFile("status/hosts/sled-3.yaml"));
        Assert.Contains("is host sled-5, not sled-4", fleet.StatusFile("status/hosts/sled-4.yaml"));
        Assert.Null(fleet.Agents["sled-4"].Core.GetStatus().Metal);
        Assert.Null(fleet.Agents["sled-5"].Core.GetStatus().Metal);
    }

    [Fact]
    public async Task Reconcile_AgentRestartedMidApply_ConvergesWithoutDuplicates()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);

        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 6  # demo: workers", StringComparison.Ordinal), "three more workers");
        var pass = reconciler.RunAsync();
        await fleet.RestartAgentAsync("sled-1");
        await pass;

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(15, fleet.RunningVms);
        var ids = fleet.Agents.Values.SelectMany(a => a.Core.GetStatus().Vms).Select(v => v.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Reconcile_ControlPlaneResized_ReplacedOneAtATimeEachWaitingForRunning()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        var oldHashes = ControlPlaneHashes(fleet);

        fleet.Push("clusters/cluster-a.yaml", text => text.Replace("    vcpu: 2\n    memoryMiB: 4096\n    endpoint", "    vcpu: 3\n    memoryMiB: 4096\n    endpoint", StringComparison.Ordinal), "cluster-a: bigger control plane");

        var replaced = new List<int>();
        ReconcileResult result;
        var passes = 0;
        do
        {
            result = await reconciler.RunAsync();
            var now = ControlPlaneHashes(fleet);
            var changed = now.Count(kv => kv.Value.Hash != oldHashes[kv.Key].Hash);
            var notRunning = now.Count(kv => kv.Value.State != Agent.Core.VmState.Running);
            Assert.True(notRunning <= 1, $"pass {passes}: {notRunning} control-plane VMs of cluster-a are down at once");
            replaced.Add(changed);
            await Task.Delay(20);
        }
        while (!result.Converged && ++passes < 200);

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(3, replaced[^1]);
        Assert.Equal(1, replaced[0]); // the first pass releases exactly one
        Assert.Equal([1, 2, 3], replaced.Distinct().Order()); // then one more at a time
    }

    [Fact]
    public async Task Reconcile_AfterTheFirstPass_ReadsTheAgentsWatchStreams_AndAsksOnlyAnAgentWhoseStreamIsDown()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        await Eventually.TrueAsync(() => fleet.Agents.Values.All(a => a.Core.WatcherCount == 1), "the reconciler holds one Watch stream to each agent");

        // The agents count a stream as open before its first status reaches the reconciler: a pass or two may still ask.
        for (var pass = 1; ; pass++)
        {
            var (result, spans) = await TracedPassAsync(reconciler);
            Assert.True(result.Converged, string.Join("\n", result.Errors));
            var observed = spans.Where(s => s.OperationName == "observe host").ToList();
            Assert.Equal(5, observed.Count);
            if (observed.All(s => s.GetTagItem("liquidmetal.asked") is null))
            {
                break;
            }

            Assert.True(pass < 20, "every pass asked an agent though each one's stream was open");
            await Task.Delay(50);
        }

        // sled-3's agent goes away: once its stream has ended (on loopback, within a pass or two), a pass asks it (and
        // finds it down), and it asks no other.
        await fleet.Agents["sled-3"].Server.DisposeAsync();
        for (var pass = 1; ; pass++)
        {
            var (_, downSpans) = await TracedPassAsync(reconciler);
            var asked = downSpans.Where(s => s.OperationName == "observe host" && s.GetTagItem("liquidmetal.asked") is true).Select(s => (string)s.GetTagItem("liquidmetal.host")!).ToList();
            Assert.All(asked, host => Assert.Equal("sled-3", host));
            if (asked.Count > 0)
            {
                break;
            }

            Assert.True(pass < 20, "sled-3 was never asked: its ended stream still counted");
            await Task.Delay(50);
        }

        Assert.Contains("reachable: false", fleet.StatusFile("status/hosts/sled-3.yaml"));
    }

    /// <summary>One pass under a parent span of the test's own, and the pass's spans (other tests' passes run in parallel).</summary>
    private static async Task<(ReconcileResult Result, List<System.Diagnostics.Activity> Spans)> TracedPassAsync(ReconcilePass reconciler)
    {
        using var source = new System.Diagnostics.ActivitySource("LiquidMetal.Reconciler.Tests." + Guid.NewGuid().ToString("N"));
        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == ReconcilerTelemetry.Name || s == source,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var parent = source.StartActivity("test pass")!;
        var result = await reconciler.RunAsync();
        return (result, spans.Where(s => s.TraceId == parent.TraceId).ToList());
    }

    private static Dictionary<string, (string Hash, Agent.Core.VmState State)> ControlPlaneHashes(FleetUnderTest fleet) =>
        fleet.Agents.Values.SelectMany(a => a.Core.GetStatus().Vms)
            .Where(vm => vm.Id.StartsWith("cluster-a-cp-", StringComparison.Ordinal))
            .ToDictionary(vm => vm.Id, vm => (vm.Hash, vm.State));
}
