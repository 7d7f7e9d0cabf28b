using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>
/// A compose takes the host and cluster documents the last one made when their inputs are the same. Whatever it
/// reuses, it must give the very bytes a compose from scratch gives, pass after pass, through every kind of change.
/// </summary>
public sealed class StatusComposeReuseTests
{
    private sealed record Step(
        string What,
        Dictionary<string, ObservedHost> Observed,
        IReadOnlyDictionary<string, ClusterHealth>? Kubernetes = null,
        RolloutShape? Rollout = null,
        FleetDefinition? Fleet = null);

    [Fact]
    public void Compose_PassAfterPass_GivesTheBytesAComposeFromScratchGives()
    {
        var compiled = ExampleStatus.Compile();
        var written = new WrittenDocuments();
        StatusSnapshot? previous = null;
        var now = ExampleStatus.Noon;
        foreach (var step in Steps(compiled))
        {
            now = now.AddMinutes(1);
            var reused = StatusComposer.Compose(ExampleStatus.Revision, step.Fleet ?? compiled.Fleet!, compiled.Hosts, step.Observed, previous, now, step.Rollout, written, step.Kubernetes);
            var fresh = StatusComposer.Compose(ExampleStatus.Revision, step.Fleet ?? compiled.Fleet!, compiled.Hosts, step.Observed, previous, now, step.Rollout, new WrittenDocuments(), step.Kubernetes);

            Assert.Equal(fresh.Files.Keys, reused.Files.Keys);
            foreach (var (path, bytes) in fresh.Files)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(reused.Files[path]), $"{step.What}: {path} differs from a compose from scratch:\n{Encoding.UTF8.GetString(reused.Files[path])}\nexpected:\n{Encoding.UTF8.GetString(bytes)}");
            }

            Assert.Equal((fresh.Message, fresh.Converged), (reused.Message, reused.Converged));
            previous = reused.Snapshot;
        }
    }

    [Fact]
    public void Compose_SameInputsAgain_TakesEveryHostAndClusterDocumentAsItWas()
    {
        var compiled = ExampleStatus.Compile();
        var written = new WrittenDocuments();
        var first = StatusComposer.Compose(ExampleStatus.Revision, compiled.Fleet!, compiled.Hosts, ExampleStatus.MidRollout(compiled), null, ExampleStatus.Noon, written: written);

        // New report objects with the same content, as the next poll of the agents gives.
        var again = StatusComposer.Compose(ExampleStatus.Revision, compiled.Fleet!, compiled.Hosts, ExampleStatus.MidRollout(compiled), first.Snapshot, ExampleStatus.Noon.AddMinutes(5), written: written);

        Assert.All(again.Snapshot!.Hosts, h => Assert.Same(first.Snapshot!.Hosts.Single(f => f.Name == h.Name), h));
        Assert.All(again.Snapshot.Clusters, c => Assert.Same(first.Snapshot!.Clusters.Single(f => f.Name == c.Name), c));

        // A new revision loads new definitions of the same clusters; the hosts' renderings are kept (RenderCache).
        var revised = ExampleStatus.Compile();
        var next = StatusComposer.Compose("0123456789abcdef0123456789abcdef01234567", revised.Fleet!, compiled.Hosts, ExampleStatus.MidRollout(compiled), again.Snapshot, ExampleStatus.Noon.AddMinutes(9), written: written);

        Assert.All(next.Snapshot!.Hosts, h => Assert.Same(first.Snapshot!.Hosts.Single(f => f.Name == h.Name), h));
        Assert.All(next.Snapshot.Clusters, c => Assert.Same(first.Snapshot!.Clusters.Single(f => f.Name == c.Name), c));
    }

    [Fact]
    public void NoNodeTwice_ADepartedHostsSpecNamingAMovedVm_IsToldAndToldAgainForOtherHosts()
    {
        // A compose skips looking every VM up only while no node is in two hosts' specs (then two exact reports cannot name one VM).
        var compiled = ExampleStatus.Compile();
        var written = new WrittenDocuments();
        var moved = compiled.Hosts.First(h => h.Microvms.Length > 0).Microvms[0];
        var departed = compiled.Hosts.First(h => h.Microvms.All(vm => vm.Id != moved.Id)) with { Host = "sled-9", Microvms = [moved], Metal = null };

        Assert.True(written.NoNodeTwice(compiled.Hosts));
        Assert.True(written.NoNodeTwice([.. compiled.Hosts])); // the same hosts in another list
        Assert.False(written.NoNodeTwice([.. compiled.Hosts, departed]));
        Assert.True(written.NoNodeTwice(compiled.Hosts));
        Assert.False(written.NoNodeTwice([.. compiled.Hosts, compiled.Hosts[0]])); // a host twice
    }

    private static IEnumerable<Step> Steps(CompiledFleet compiled)
    {
        var mid = ExampleStatus.MidRollout(compiled);
        yield return new Step("first pass", mid);
        yield return new Step("the same reports, polled again", ExampleStatus.MidRollout(compiled));

        var recovered = With(mid, "cluster-b-workers-2", vm => vm with { Phase = VmPhase.Running, Reason = string.Empty });
        yield return new Step("a failed VM running again", recovered);

        // A VM of one host also in another host's report (it moved, and the old host still runs it): its state may come from either.
        var moving = compiled.Hosts.First(h => h.Host != "sled-4" && h.Microvms.Length > 0).Microvms[0];
        var other = compiled.Hosts.First(h => h.Host != "sled-4" && h.Microvms.All(vm => vm.Id != moving.Id)).Host;
        var twice = new Dictionary<string, ObservedHost>(recovered, StringComparer.Ordinal)
        {
            [other] = recovered[other] with
            {
                Report = recovered[other].Report! with
                {
                    Vms = [.. recovered[other].Report!.Vms.Append(new VmReport(moving.Id, moving.Cluster, moving.Hash, VmPhase.Failed, "still here", ExampleStatus.Noon, 1)).OrderBy(v => v.Id, StringComparer.Ordinal)],
                },
            },
        };
        yield return new Step("a VM in two hosts' reports", twice);
        yield return new Step("the other host lets it go", recovered);

        var reachable = new Dictionary<string, ObservedHost>(recovered, StringComparer.Ordinal)
        {
            ["sled-4"] = new ObservedHost("sled-4", new HostReport("sled-4", 3, compiled.Hosts.Single(h => h.Host == "sled-4").SpecHash, new Resources(16, 65536), null, [], null), null, Applied: true),
        };
        yield return new Step("an unreachable host answers, offering less than declared", reachable);

        var cluster = compiled.Fleet!.Clusters[0].Name;
        var nodes = compiled.Hosts.SelectMany(h => h.Microvms).Where(vm => vm.Cluster == cluster).Select(vm => vm.Id).ToList();
        ClusterHealth Health(string? notReady) => ClusterHealth.Answered(nodes.ToDictionary(
            n => n, n => new NodeReadiness(n == notReady ? NodeReadyStatus.False : NodeReadyStatus.True, "KubeletReady", string.Empty, ExampleStatus.Noon, "v1.31.2")));
        yield return new Step("the cluster's API answers", reachable, new Dictionary<string, ClusterHealth> { [cluster] = Health(null) });
        yield return new Step("the same answer, asked again", reachable, new Dictionary<string, ClusterHealth> { [cluster] = Health(null) });
        yield return new Step("a node not ready", reachable, new Dictionary<string, ClusterHealth> { [cluster] = Health(nodes[^1]) });
        yield return new Step("the API does not answer", reachable, new Dictionary<string, ClusterHealth> { [cluster] = ClusterHealth.Unreachable("connection refused") });

        var halted = new RolloutShape([.. compiled.Hosts], 0, [], ImmutableSortedDictionary<string, string>.Empty.Add(cluster, nodes[0]));
        yield return new Step("a halted rollout", reachable, Rollout: halted);
        yield return new Step("the rollout goes on", reachable);
        var suspended = compiled.Fleet with { Clusters = [.. compiled.Fleet.Clusters.Select(c => c.Name == cluster ? c with { Suspend = true } : c)] };
        yield return new Step("the cluster suspended", reachable, Fleet: suspended);
        yield return new Step("the cluster resumed", reachable);
        yield return new Step("every host unreachable", compiled.Hosts.ToDictionary(h => h.Host, h => new ObservedHost(h.Host, null, "connection refused", Applied: false)));
        yield return new Step("every host back", reachable);
    }

    private static Dictionary<string, ObservedHost> With(Dictionary<string, ObservedHost> observed, string vmId, Func<VmReport, VmReport> change) =>
        observed.ToDictionary(
            o => o.Key,
            o => o.Value.Report is { } report && report.Vms.Any(vm => vm.Id == vmId)
                ? o.Value with { Report = report with { Vms = [.. report.Vms.Select(vm => vm.Id == vmId ? change(vm) : vm)] } }
                : o.Value,
            StringComparer.Ordinal);
}
