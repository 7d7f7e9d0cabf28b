using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Tests;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Status.Pages;
using LiquidMetal.Reconciler.Tests.Status;

namespace LiquidMetal.Reconciler.Tests;

/// <summary>
/// The bytes of a status commit (status/, rendered/ and the README), pinned. Passes compare them byte for byte to decide whether
/// to commit, so a changed byte is a commit on every reconciler's status branch: it must be meant.
/// </summary>
public sealed class StatusBytesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compose_FleetExampleMidRollout_BytesAsPinned()
    {
        var commit = ExampleStatus.Compose();

        Golden.Check("status-commit.txt", Golden.Join(commit.Files.Select(f => (f.Key, Encoding.UTF8.GetString(f.Value))).Append(("(message)", commit.Message))));

        // The two files people read in a browser, also as files of their own kind (open them to see them).
        Golden.Check("status-readme.md", Encoding.UTF8.GetString(commit.Files[StatusReadme.Path]));
        Golden.Check("capacity.svg", Encoding.UTF8.GetString(commit.Files[CapacityMap.Path]));
    }

    [Fact]
    public void Compose_Again_UnchangedDocumentsAreTheSameBytesAndAChangedVmIsWrittenAnew()
    {
        var compiled = ExampleStatus.Compile();
        var started = Noon.AddMinutes(-3);
        Dictionary<string, ObservedHost> Observe(string failing) => compiled.Hosts.ToDictionary(h => h.Host, h => new ObservedHost(
            h.Host,
            new HostReport(h.Host, 3, h.SpecHash, new Resources(30, 94208), null,
                [.. h.Microvms.Select(vm => new VmReport(vm.Id, vm.Cluster, vm.Hash, vm.Id == failing ? VmPhase.Failed : VmPhase.Running, vm.Id == failing ? "exited" : string.Empty, started, 0))],
                null),
            null,
            Applied: false));

        var written = new WrittenDocuments();
        var first = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, Observe(string.Empty), null, Noon, written: written);
        var again = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, Observe("cluster-b-workers-2"), first.Snapshot, Noon, written: written);

        var failingHost = compiled.Hosts.Single(h => h.Microvms.Any(vm => vm.Id == "cluster-b-workers-2")).Host;
        foreach (var (path, bytes) in again.Files)
        {
            var changed = path == $"status/hosts/{failingHost}.yaml" || path is "status/clusters/cluster-b.yaml" or "status/fleet.yaml" or StatusReadme.Path or CapacityMap.Path;
            Assert.True(changed != ReferenceEquals(bytes, first.Files[path]), $"{path}: {(changed ? "changed but its old bytes were reused" : "unchanged but written again")}");
        }

        Assert.Contains("exited", Encoding.UTF8.GetString(again.Files[$"status/hosts/{failingHost}.yaml"]));

        // The snapshot a pass keeps holds the documents already kept when unchanged, not copies of them.
        foreach (var host in again.Snapshot!.Hosts)
        {
            var before = first.Snapshot!.Hosts.Single(h => h.Name == host.Name);
            Assert.True((host.Name == failingHost) != ReferenceEquals(before, host), $"host {host.Name}");
        }

        foreach (var cluster in again.Snapshot.Clusters)
        {
            var before = first.Snapshot!.Clusters.Single(c => c.Name == cluster.Name);
            Assert.True((cluster.Name == "cluster-b") != ReferenceEquals(before, cluster), $"cluster {cluster.Name}");
        }

        // The whole-fleet views are written every pass, but bytes equal to the last are the last array (not hashed again).
        var same = StatusComposer.Compose("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", compiled.Fleet!, compiled.Hosts, Observe("cluster-b-workers-2"), again.Snapshot, Noon, written: written);
        Assert.Same(again.Files[StatusReadme.Path], same.Files[StatusReadme.Path]);
        Assert.Same(again.Files[CapacityMap.Path], same.Files[CapacityMap.Path]);
    }

    [Fact]
    public void Rejected_ErrorsWithAwkwardText_BytesAsPinned()
    {
        Diagnostic[] errors =
        [
            new(new SourceLocation("clusters/cluster-a.yaml", 14, 9), "spec.workerPools[1].hostSelector {liquidmetal.dev/nic: sriov} matches no host"),
            new(new SourceLocation("hosts/sled-1.yaml", 3, 1), "metadata.labels.sled: expected a string, found 1 (quote it to make it a string)"),
            new(new SourceLocation("fleet.yaml", 0, 0), "a tab\there, a quote \" and a backslash \\, then\na second line"),
        ];

        var commit = StatusComposer.Rejected("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", errors, null, ImmutableSortedDictionary<string, byte[]>.Empty, Noon);

        Golden.Check("status-rejected.txt", Golden.Join(commit.Files.Select(f => (f.Key, Encoding.UTF8.GetString(f.Value)))));
    }

    [Fact]
    public void Write_WordsThatLookLikeOtherTypes_BytesAsPinned()
    {
        string[] words = ["", "true", "No", "null", "~", "1e3", "0x1f", "0123", "0b101", "9f8e", "044ca6d4", ".inf", "- a", "a: b", "# c", "plain words, with; commas (and) x=y", "ünïcödé ✓", " leading", "trailing ", "two  spaces"];
        var host = new HostStatusDocument("sled-1", true, null, new Resources(30, 94208), new Resources(4, 8192), 7,
            [.. words.Select((w, i) => new VmStatusEntry($"vm-{i}", w.Length == 0 ? "c" : w, "Running", Noon, w, i))]);
        var cluster = new ClusterStatusDocument("cluster-a", "Ready", [.. words.Select(w => new Condition("Ready", w.Length % 2 == 0, "R", w, Noon))],
            [.. words.Select((w, i) => new NodeStatus($"n-{i}", "worker", w.Length == 0 ? null : w, "Running", i % 2 == 0 ? Noon : null, w))]);

        Golden.Check("status-words.txt", Golden.Join([("host", StatusYaml.Write(host)), ("cluster", StatusYaml.Write(cluster))]));
    }
}
