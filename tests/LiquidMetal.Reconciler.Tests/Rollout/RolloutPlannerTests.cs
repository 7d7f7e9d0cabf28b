using System.Runtime.CompilerServices;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Rollout;

namespace LiquidMetal.Reconciler.Tests.Rollout;

/// <summary>Control-plane rollouts, shaped from fleet-example with every control plane's spec changed.</summary>
public sealed class RolloutPlannerTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public void Shape_ReplacedControlPlaneRuns_ReleasesTheNextOne()
    {
        var (desired, previous, fleet) = Changed();

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)));

        Assert.Empty(shape.Halted);
        Assert.Equal(NewHash(desired, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2")); // released
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3")); // waits its turn
    }

    [Fact]
    public void Shape_ReplacedControlPlaneAlsoReportedDeletingByTheHostItLeft_CountsWhereItRuns()
    {
        var (desired, previous, fleet) = Changed();
        var observed = Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Running));

        // A move whose delete has not finished: another agent, first in the reports, still lists the old copy.
        var left = observed.Keys.First(h => h != HostOf(desired, "cluster-a-cp-1"));
        var stale = observed[left] with
        {
            Report = observed[left].Report! with { Vms = [new VmReport("cluster-a-cp-1", "cluster-a", OldHash(previous, "cluster-a-cp-1"), VmPhase.Deleting, string.Empty, null, 0), .. observed[left].Report!.Vms] },
        };
        var reports = new Dictionary<string, ObservedHost>(StringComparer.Ordinal) { [left] = stale };
        foreach (var (host, seen) in observed.Where(pair => pair.Key != left))
        {
            reports[host] = seen;
        }

        var shape = RolloutPlanner.Shape(desired, previous, reports, fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)));

        Assert.Equal(NewHash(desired, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2")); // cp-1 runs and settled: the next goes
    }

    [Fact]
    public void Shape_ReplacedControlPlaneFailed_HaltsTheRolloutAndTheOthersKeepTheOldSpec()
    {
        var (desired, previous, fleet) = Changed();

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Failed)), fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)));

        Assert.Equal("cluster-a-cp-1", shape.Halted["cluster-a"]);
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3"));
        Assert.Equal(NewHash(desired, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1")); // its own fix can still come
        Assert.True(shape.HeldBack >= 2);
    }

    [Fact]
    public void Shape_ReplacedControlPlaneRunningForSecondsOnly_NextWaitsForItToSettle()
    {
        var (desired, previous, fleet) = Changed();

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromSeconds(5)));

        Assert.Empty(shape.Halted);
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3"));
    }

    [Fact]
    public void Shape_ReleasedControlPlaneStillRunsItsOldSpec_IsToldAgainAndNoOtherIsReleased()
    {
        var (desired, previous, fleet) = Changed();

        // rendered/ says cp-1 was told its new spec, but its agent still runs the old one (the Apply was refused or lost).
        var told = previous.Select(h => Renderer.WithWork(h, [.. h.Microvms.Select(vm => vm.Id == "cluster-a-cp-1" ? desired.SelectMany(d => d.Microvms).Single(d => d.Id == vm.Id) : vm)], h.Metal)).ToList();
        var shape = RolloutPlanner.Shape(desired, told, Observe(desired, previous, ("none", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)));

        Assert.Equal(NewHash(desired, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1"));
        Assert.DoesNotContain(HostOf(desired, "cluster-a-cp-1"), shape.Untouched);
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3"));
    }

    [Fact]
    public void Shape_ReleasedControlPlaneStillRunsItsOldSpecAndAnotherFailed_TheReleasedOneKeepsItsTurn()
    {
        var (desired, previous, fleet) = Changed();
        var told = previous.Select(h => Renderer.WithWork(h, [.. h.Microvms.Select(vm => vm.Id == "cluster-a-cp-1" ? desired.SelectMany(d => d.Microvms).Single(d => d.Id == vm.Id) : vm)], h.Metal)).ToList();
        var observed = Observe(desired, previous, ("none", VmPhase.Running));
        var cp2 = HostOf(previous, "cluster-a-cp-2");
        var report = observed[cp2].Report!;
        observed[cp2] = observed[cp2] with { Report = report with { Vms = [.. report.Vms.Select(vm => vm.Id == "cluster-a-cp-2" ? vm with { Phase = VmPhase.Failed } : vm)] } };

        var shape = RolloutPlanner.Shape(desired, told, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)));

        Assert.Equal(NewHash(desired, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2")); // its turn comes next
    }

    [Fact]
    public void Shape_StatusBranchClaimsEveryControlPlaneReleased_StillOneAtATime()
    {
        var (desired, previous, fleet) = Changed();

        // Someone wrote the new specs of every control plane into rendered/: releases are still one per cluster.
        var shape = RolloutPlanner.Shape(desired, desired, Observe(desired, previous, ("none", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)));

        foreach (var cluster in new[] { "cluster-a", "cluster-b" })
        {
            var told = shape.Hosts.Where(h => !shape.Untouched.Contains(h.Host)).SelectMany(h => h.Microvms)
                .Where(vm => vm.Cluster == cluster && vm.Role == RolloutPlanner.ControlPlaneRole && vm.Hash == NewHash(desired, vm.Id));
            Assert.Single(told);
        }
    }

    /// <summary>fleet-example rendered (the desired state), and what ran before: every control plane with 1 vCPU less.</summary>
    [Fact]
    public void Shape_KubeadmClusterControlPlanesChanging_WorkersKeepTheirOldSpecUntilTheLastHasSettled()
    {
        var (desired, previous, fleet) = Changed(workersToo: true);
        fleet = AsKubeadm(fleet, "cluster-a");

        var rolling = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)));

        Assert.Equal(OldHash(previous, "cluster-a-workers-1"), HashToldFor(rolling, "cluster-a-workers-1")); // a kubelet never newer than its API servers
        Assert.Equal(NewHash(desired, "cluster-b-workers-1"), HashToldFor(rolling, "cluster-b-workers-1")); // user-data cluster: alongside, as before
        Assert.True(rolling.HeldBack >= 4); // cp-3 and cluster-a's three workers

        // Every control plane runs its new spec and has settled: now the workers.
        var done = previous.ToDictionary(h => h.Host, h => new ObservedHost(h.Host, new HostReport(h.Host, 1, h.SpecHash, null, null,
            [.. h.Microvms.Select(vm => new VmReport(vm.Id, vm.Cluster, vm.Role == RolloutPlanner.ControlPlaneRole ? NewHash(desired, vm.Id) : vm.Hash, VmPhase.Running, string.Empty, null, 0))], null), null, Applied: false));
        var settled = RolloutPlanner.Shape(desired, previous, done, fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)));
        Assert.Equal(NewHash(desired, "cluster-a-workers-1"), HashToldFor(settled, "cluster-a-workers-1"));

        var settling = RolloutPlanner.Shape(desired, previous, done, fleet, Settle, RunningFor(desired, TimeSpan.FromSeconds(5)));
        Assert.Equal(OldHash(previous, "cluster-a-workers-1"), HashToldFor(settling, "cluster-a-workers-1"));
    }

    [Fact]
    public void Shape_NothingRecorded_ReleasesTheFirstControlPlaneAndSaysSo()
    {
        var (desired, previous, fleet) = Changed();

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("none", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), NoReleases);

        Assert.Equal(["cluster-a-cp-1", "cluster-b-cp-1"], shape.Released.Select(vm => vm.Id).Order(StringComparer.Ordinal));
        Assert.Equal(NewHash(desired, "cluster-a-cp-1"), shape.Released.Single(vm => vm.Id == "cluster-a-cp-1").Hash);
    }

    /// <summary>Another reconciler recorded cp-2 (it saw cp-2 fail a moment before this one looked): this one follows the record.</summary>
    [Fact]
    public void Shape_AnotherControlPlaneRecordedAndNotStarted_ReleasesThatOneNotTheFirst()
    {
        var (desired, previous, fleet) = Changed();
        var releases = Recorded("cluster-a", "cluster-a-cp-2", NewHash(desired, "cluster-a-cp-2"));

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("none", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), releases);

        Assert.Equal(NewHash(desired, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3"));
        Assert.Contains(shape.Released, vm => vm.Id == "cluster-a-cp-2");
        Assert.DoesNotContain(shape.Released, vm => vm.Id == "cluster-a-cp-1");
    }

    /// <summary>The recorded one runs its new spec, but this reconciler has not yet seen it run for the settle time: none goes.</summary>
    [Fact]
    public void Shape_RecordedControlPlaneRunsButNotSettledOnThisClock_ReleasesNone()
    {
        var (desired, previous, fleet) = Changed();
        var releases = Recorded("cluster-a", "cluster-a-cp-1", NewHash(desired, "cluster-a-cp-1"));
        var observed = Observe(desired, previous, ("cluster-a-cp-1", VmPhase.Running));

        var unsettled = RolloutPlanner.Shape(desired, previous, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromSeconds(5)), releases);
        Assert.DoesNotContain(unsettled.Released, vm => vm.Cluster == "cluster-a");
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(unsettled, "cluster-a-cp-2"));

        var settled = RolloutPlanner.Shape(desired, previous, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromMinutes(5)), releases);
        Assert.Equal("cluster-a-cp-2", settled.Released.Single(vm => vm.Cluster == "cluster-a").Id);
    }

    /// <summary>
    /// Another reconciler recorded cp-1 and told its agent, which is stopping the old VM; rendered/ still has cp-1's old
    /// spec (the releaser has not written its status yet). cp-1 keeps its new spec, not the old one back.
    /// </summary>
    [Fact]
    public void Shape_RecordedControlPlaneStoppingOnItsOldSpec_ToldItsNewSpecNotTheOldOneBack()
    {
        var (desired, previous, fleet) = Changed();
        var releases = Recorded("cluster-a", "cluster-a-cp-1", NewHash(desired, "cluster-a-cp-1"));
        var observed = Observe(desired, previous, ("none", VmPhase.Running));
        var host = HostOf(previous, "cluster-a-cp-1");
        var report = observed[host].Report!;
        observed[host] = observed[host] with
        {
            Report = report with { Vms = [.. report.Vms.Select(vm => vm.Id == "cluster-a-cp-1" ? vm with { Phase = VmPhase.Deleting } : vm)] },
        };

        var shape = RolloutPlanner.Shape(desired, previous, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), releases);

        Assert.Equal(NewHash(desired, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-2"), HashToldFor(shape, "cluster-a-cp-2"));
        Assert.Equal(OldHash(previous, "cluster-a-cp-3"), HashToldFor(shape, "cluster-a-cp-3"));

        // Without the record (one reconciler, whose rendered/ would say new), the same observation holds every control plane.
        var unrecorded = RolloutPlanner.Shape(desired, previous, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), NoReleases);
        Assert.DoesNotContain(unrecorded.Released, vm => vm.Cluster == "cluster-a");
    }

    /// <summary>
    /// A release recorded but never begun (its reconciler died before the Apply), while another control plane's host is
    /// down: the recorded one waits like any other, or two would be down at once.
    /// </summary>
    [Fact]
    public void Shape_RecordedControlPlaneNotBegunWhileAnotherIsDown_ReleasesNone()
    {
        var (desired, previous, fleet) = Changed();
        var releases = Recorded("cluster-a", "cluster-a-cp-1", NewHash(desired, "cluster-a-cp-1"));
        var observed = Observe(desired, previous, ("none", VmPhase.Running));
        observed.Remove(HostOf(previous, "cluster-a-cp-2")); // told before, not reported now

        var shape = RolloutPlanner.Shape(desired, previous, observed, fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), releases);

        Assert.DoesNotContain(shape.Released, vm => vm.Cluster == "cluster-a");
        Assert.Equal(OldHash(previous, "cluster-a-cp-1"), HashToldFor(shape, "cluster-a-cp-1"));
    }

    [Theory]
    [InlineData("1e3")]
    [InlineData("0123")]
    [InlineData("0x1f")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("edge-7")]
    public void ControlPlaneRelease_NamesThatCouldPassForOtherScalars_ReadBackAsWritten(string cluster)
    {
        var release = new ControlPlaneRelease(cluster, cluster + "-cp-1", "sha256:ab", DateTimeOffset.UnixEpoch);

        Assert.Equal(release, ControlPlaneRelease.Read(release.Path, release.ToBytes()));
    }

    /// <summary>A record of a control plane the fleet no longer has (or of a spec since superseded and settled) holds nothing.</summary>
    [Fact]
    public void Shape_RecordOfARemovedControlPlane_DoesNotHoldTheRollout()
    {
        var (desired, previous, fleet) = Changed();
        var releases = Recorded("cluster-a", "cluster-a-cp-9", "sha256:gone");

        var shape = RolloutPlanner.Shape(desired, previous, Observe(desired, previous, ("none", VmPhase.Running)), fleet, Settle, RunningFor(desired, TimeSpan.FromHours(1)), releases);

        Assert.Equal("cluster-a-cp-1", shape.Released.Single(vm => vm.Cluster == "cluster-a").Id);
    }

    private static readonly Dictionary<string, ControlPlaneRelease> NoReleases = new(StringComparer.Ordinal);

    private static Dictionary<string, ControlPlaneRelease> Recorded(string cluster, string vm, string hash) =>
        new(StringComparer.Ordinal) { [cluster] = new ControlPlaneRelease(cluster, vm, hash, DateTimeOffset.UnixEpoch) };

    private static Fleet.Model.FleetDefinition AsKubeadm(Fleet.Model.FleetDefinition fleet, string cluster) =>
        fleet with { Clusters = [.. fleet.Clusters.Select(c => c.Name == cluster ? c with { Bootstrap = Fleet.Model.BootstrapMode.Kubeadm } : c)] };

    private static (List<RenderedHost> Desired, List<RenderedHost> Previous, Fleet.Model.FleetDefinition Fleet) Changed(bool workersToo = false, [CallerFilePath] string source = "")
    {
        var example = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "fleet-example"));
        var compiled = FleetCompiler.Compile(example);
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        var desired = compiled.Hosts.ToList();
        var previous = desired.Select(h => Renderer.WithWork(h, [.. h.Microvms.Select(vm => vm.Role == RolloutPlanner.ControlPlaneRole || workersToo ? Older(vm) : vm)], h.Metal)).ToList();
        return (desired, previous, compiled.Fleet!);
    }

    private static RenderedVm Older(RenderedVm vm)
    {
        var older = vm with { Vcpu = vm.Vcpu - 1 };
        return older with { Hash = Renderer.HashOf(older) };
    }

    /// <summary>Every VM seen running for an hour, but cluster-a-cp-1 (just replaced) for <paramref name="replaced"/>.</summary>
    private static Dictionary<string, TimeSpan> RunningFor(List<RenderedHost> desired, TimeSpan replaced) =>
        desired.SelectMany(h => h.Microvms).ToDictionary(vm => vm.Id, vm => vm.Id == "cluster-a-cp-1" ? replaced : TimeSpan.FromHours(1));

    /// <summary>Every agent runs what it ran before, except the one control plane given, which runs the new spec in that state.</summary>
    private static Dictionary<string, ObservedHost> Observe(List<RenderedHost> desired, List<RenderedHost> previous, (string Vm, VmPhase Phase) replaced) =>
        previous.ToDictionary(h => h.Host, h =>
        {
            var vms = h.Microvms.Select(vm => vm.Id == replaced.Vm
                ? new VmReport(vm.Id, vm.Cluster, NewHash(desired, vm.Id), replaced.Phase, string.Empty, null, 0)
                : new VmReport(vm.Id, vm.Cluster, vm.Hash, VmPhase.Running, string.Empty, null, 0));
            return new ObservedHost(h.Host, new HostReport(h.Host, 1, h.SpecHash, null, null, [.. vms], null), null, Applied: false);
        });

    private static string NewHash(List<RenderedHost> desired, string vm) => desired.SelectMany(h => h.Microvms).Single(v => v.Id == vm).Hash;

    private static string OldHash(List<RenderedHost> previous, string vm) => previous.SelectMany(h => h.Microvms).Single(v => v.Id == vm).Hash;

    private static string HostOf(List<RenderedHost> hosts, string vm) => hosts.Single(h => h.Microvms.Any(v => v.Id == vm)).Host;

    private static string HashToldFor(RolloutShape shape, string vm) => shape.Hosts.SelectMany(h => h.Microvms).Single(v => v.Id == vm).Hash;
}
