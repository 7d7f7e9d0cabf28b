using System.Text;
using LiquidMetal.Agent.Core;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Rollout;
using Xunit.Abstractions;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Two real `liquidmetal reconcile` processes on one fleet, each with its own mirror, one killed with SIGKILL: mid-apply,
/// and inside a rollout of a cluster's control planes. Each control plane's changes come from its agent's own feed
/// (<see cref="ControlPlaneWatch"/>), so two control planes of a cluster down at once is seen however short.
/// </summary>
public sealed class TwoReconcilersTests(ITestOutputHelper output)
{
    // Sim VMs boot in 30 ms; a settle shorter than the second between two passes keeps the rollout quick.
    private const string Settle = "0.4";

    [Fact]
    public async Task TwoReconcilers_OneKilledMidApply_LinearStatusConvergedNoFlapping()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var root = Directory.CreateTempSubdirectory("lm-two-").FullName;
        var mirrorA = Path.Combine(root, "a.git");
        var mirrorB = Path.Combine(root, "b.git");
        try
        {
            await using var watch = await ControlPlaneWatch.StartAsync(fleet);

            // Both start at once; A is killed as soon as any agent has been told anything.
            using (var a = ReconcilerProcess.Start("A", fleet.Url, mirrorA, 60))
            using (var b = ReconcilerProcess.Start("B", fleet.Url, mirrorB, 60))
            {
                await Eventually.TrueAsync(() => fleet.Agents.Values.Any(x => x.Core.GetStatus().ObservedGeneration > 0), "a reconciler reached an agent", TimeSpan.FromSeconds(30));
                await Task.Delay(Random.Shared.Next(0, 150));
                await a.KillAsync();
                await b.ExitsConvergedAsync();
            }

            // A person writes on the status branch; both reconcilers run again at once.
            GitTool.Run(fleet.Clone, "fetch", "--quiet", "origin", "liquidmetal/status");
            GitTool.Run(fleet.Clone, "checkout", "--quiet", "-B", "status-edit", "FETCH_HEAD");
            File.WriteAllText(Path.Combine(fleet.Clone, "NOTE.md"), "a person wrote this\n");
            GitTool.Run(fleet.Clone, "add", "NOTE.md");
            GitTool.Run(fleet.Clone, "commit", "--quiet", "-m", "a person's note");
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "HEAD:liquidmetal/status");
            GitTool.Run(fleet.Clone, "checkout", "--quiet", "main");
            await RunBothAsync(fleet.Url, mirrorA, mirrorB, 60);

            Assert.Equal(12, fleet.RunningVms);
            Assert.Equal(12, fleet.Agents.Values.Sum(x => x.Core.GetStatus().Vms.Length));
            // Already converged before the note, so the note stays the tip: no commit when nothing changed.
            Assert.Contains("cluster-a Ready 8/8, cluster-b Ready 6/6", fleet.StatusLog());
            Assert.Equal("a person wrote this", fleet.StatusFile("NOTE.md").Trim());

            await AssertNoFlappingAsync(fleet, mirrorA, mirrorB, rounds: 3);
            AssertLinear(fleet);
            Assert.Contains("a person's note", GitTool.Run(fleet.Clone, "log", "--format=%s", "FETCH_HEAD"));

            // Control planes of one cluster that were Running must never be down two at once.
            Assert.Empty(watch.Gaps);
            Assert.Empty(watch.Overlaps(c => c.State == VmState.Running));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task TwoReconcilers_OneKilledInsideControlPlaneRollout_OneControlPlaneDownAtATimeAllOnNewSpecLinearNoFlapping()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        output.WriteLine($"{ControlPlaneWatch.Time(DateTimeOffset.UtcNow)} test: fleet and agents up");
        var root = Directory.CreateTempSubdirectory("lm-two-cp-").FullName;
        var mirrorA = Path.Combine(root, "a.git");
        var mirrorB = Path.Combine(root, "b.git");
        var processes = new List<ReconcilerProcess>();
        try
        {
            await using var watch = await ControlPlaneWatch.StartAsync(fleet);
            await RunBothAsync(fleet.Url, mirrorA, mirrorB, 60);
            var old = ControlPlanes(fleet, "cluster-a");
            Assert.Equal(3, old.Count);
            Assert.All(old.Values, vm => Assert.Equal(VmState.Running, vm.State));

            output.WriteLine($"{ControlPlaneWatch.Time(DateTimeOffset.UtcNow)} test: converged by both");

            // 6 GiB instead of 4 for cluster-a's control planes: every one of them gets a new spec, no worker does.
            fleet.Push("clusters/cluster-a.yaml", text => Once(text, "    memoryMiB: 4096\n", "    memoryMiB: 6144\n"), "cluster-a: 6 GiB control planes");
            var a = Track(processes, ReconcilerProcess.Start("A", fleet.Url, mirrorA, 60, Settle));
            var b = Track(processes, ReconcilerProcess.Start("B", fleet.Url, mirrorB, 60, Settle));

            // The first control plane released: its agent stops it to replace it (or already runs the new spec).
            var released = await watch.WaitForAsync(
                c => c.Cluster == "cluster-a" && (c.State == VmState.Deleting || !old.Values.Any(vm => vm.Hash == c.Hash)),
                TimeSpan.FromSeconds(45), "cluster-a control plane released");

            // Kill the reconciler that released it, as soon as it says it applied that host: it has not written
            // status for it yet (that comes after every host of the pass), so the other reconciler and its own next
            // run find the release only on the agent.
            var killed = await FirstToApplyAsync(released.Host, a, b);
            var onOld = ControlPlanes(fleet, "cluster-a").Count(vm => vm.Value.Hash == old[vm.Key].Hash);
            await killed.KillAsync();
            output.WriteLine($"{ControlPlaneWatch.Time(DateTimeOffset.UtcNow)} test: killed {killed.Name}, which released {released.Id} on {released.Host}; {onOld} control plane(s) of 3 still on the old spec");
            Assert.True(onOld >= 1, $"the rollout was over before {killed.Name} was killed:\n{Transcript(watch, processes)}");

            var again = Track(processes, ReconcilerProcess.Start(killed.Name + " again", fleet.Url, killed == a ? mirrorA : mirrorB, 60, Settle));
            await Task.WhenAll((killed == a ? b : a).ExitsConvergedAsync(), again.ExitsConvergedAsync());
            output.WriteLine(Transcript(watch, processes));

            // Never two control planes of cluster-a off their old or new spec at once; each replaced once, not reverted;
            // cluster-b's never down.
            var rendered = RenderedControlPlanes(fleet, "cluster-a");
            var specs = old.Values.Select(vm => vm.Hash).Concat(rendered.Values.Select(vm => vm.Hash)).ToHashSet(StringComparer.Ordinal);
            bool Up(ControlPlaneWatch.Change c) => c.State == VmState.Running && (c.Cluster != "cluster-a" || specs.Contains(c.Hash));
            Assert.Empty(watch.Gaps);
            var overlaps = watch.Overlaps(Up);
            Assert.True(overlaps.Count == 0, $"two control planes down at once:\n{string.Join('\n', overlaps)}\n{Transcript(watch, processes)}");
            var downs = watch.DownSpans(Up);
            Assert.True(
                downs.Count == 3 && downs.All(d => d.Cluster == "cluster-a") && downs.Select(d => d.Id).Distinct().Count() == 3,
                $"not each of cluster-a's control planes down once and no other:\n{string.Join('\n', downs)}\n{Transcript(watch, processes)}");

            // Every control plane of cluster-a runs the new spec, as rendered/ has it with 6 GiB.
            var now = ControlPlanes(fleet, "cluster-a");
            Assert.All(rendered, vm =>
            {
                Assert.Equal(6144, vm.Value.MemoryMiB);
                Assert.Equal(Renderer.HashOf(vm.Value), vm.Value.Hash);
                Assert.NotEqual(old[vm.Key].Hash, vm.Value.Hash);
                Assert.Equal((VmState.Running, vm.Value.Hash), (now[vm.Key].State, now[vm.Key].Hash));
            });
            Assert.Equal(12, fleet.RunningVms);
            Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 6/6", fleet.StatusLog());

            // One more pass of each is enough: a pass given the same head, status and agents decides the same.
            await AssertNoFlappingAsync(fleet, mirrorA, mirrorB, rounds: 1);
            AssertLinear(fleet);
            output.WriteLine($"{ControlPlaneWatch.Time(DateTimeOffset.UtcNow)} test: no flapping");
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
            Directory.Delete(root, recursive: true);
        }
    }

    private static ReconcilerProcess Track(List<ReconcilerProcess> processes, ReconcilerProcess process)
    {
        processes.Add(process);
        return process;
    }

    /// <summary>Which of the two logged an apply to <paramref name="host"/> first.</summary>
    private static async Task<ReconcilerProcess> FirstToApplyAsync(string host, ReconcilerProcess a, ReconcilerProcess b)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var applied = $"host {host}: applied spec";
        var byA = a.LineAsync(l => l.Contains(applied, StringComparison.Ordinal), limit.Token);
        var byB = b.LineAsync(l => l.Contains(applied, StringComparison.Ordinal), limit.Token);
        var first = await Task.WhenAny(byA, byB);
        Assert.True(first.IsCompletedSuccessfully, $"neither reconciler said it applied {host} within 30 s");
        await limit.CancelAsync(); // the other wait ends
        return first == byA ? a : b;
    }

    /// <summary>What the agents report for the cluster's control planes now, by VM id.</summary>
    private static Dictionary<string, VmStatus> ControlPlanes(FleetUnderTest fleet, string cluster) =>
        fleet.Agents.Values.SelectMany(x => x.Core.GetStatus().Vms)
            .Where(vm => vm.Cluster == cluster && vm.Role == RolloutPlanner.ControlPlaneRole)
            .ToDictionary(vm => vm.Id, StringComparer.Ordinal);

    /// <summary>The cluster's control planes as rendered/ on the status branch has them, by VM id.</summary>
    private static Dictionary<string, RenderedVm> RenderedControlPlanes(FleetUnderTest fleet, string cluster)
    {
        var diagnostics = new List<Diagnostic>();
        var vms = fleet.Agents.Keys.Select(host => RenderedHostYaml.Read(host, fleet.StatusFile($"rendered/hosts/{host}.yaml"), diagnostics))
            .SelectMany(host => host?.Microvms ?? [])
            .Where(vm => vm.Cluster == cluster && vm.Role == RolloutPlanner.ControlPlaneRole)
            .ToDictionary(vm => vm.Id, StringComparer.Ordinal);
        Assert.Empty(diagnostics);
        return vms;
    }

    private static string Once(string text, string from, string to)
    {
        Assert.Equal(2, text.Split(from).Length);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>Both reconcilers' lines and the control planes' changes, in time order, each saying whose it is.</summary>
    private static string Transcript(ControlPlaneWatch watch, IEnumerable<ReconcilerProcess> processes)
    {
        var lines = processes.SelectMany(p => p.Lines.Select(l => (l.At, Text: $"{ControlPlaneWatch.Time(l.At)} {p.Name}: {l.Line}")))
            .Concat(watch.Snapshot().Select(c => (c.At, Text: c.ToString())));
        var text = new StringBuilder();
        foreach (var (_, line) in lines.OrderBy(l => l.At))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    // No flapping: more passes of both change nothing, neither the status branch nor any agent.
    private static async Task AssertNoFlappingAsync(FleetUnderTest fleet, string mirrorA, string mirrorB, int rounds)
    {
        fleet.StatusLog();
        var tip = GitTool.Run(fleet.Clone, "rev-parse", "FETCH_HEAD");
        var generations = fleet.Agents.ToDictionary(x => x.Key, x => x.Value.Core.GetStatus().ObservedGeneration);
        for (var i = 0; i < rounds; i++)
        {
            await RunBothAsync(fleet.Url, mirrorA, mirrorB, 0);
        }

        fleet.StatusLog();
        Assert.Equal(tip, GitTool.Run(fleet.Clone, "rev-parse", "FETCH_HEAD"));
        Assert.Equal(generations, fleet.Agents.ToDictionary(x => x.Key, x => x.Value.Core.GetStatus().ObservedGeneration));
    }

    // Linear history, never forced: every commit on the status branch (as last fetched) has at most one parent.
    private static void AssertLinear(FleetUnderTest fleet)
    {
        var parents = GitTool.Run(fleet.Clone, "rev-list", "--parents", "FETCH_HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(parents, line => Assert.True(line.Split(' ').Length <= 2, $"merge commit on the status branch: {line}"));
    }

    private static async Task RunBothAsync(string url, string mirrorA, string mirrorB, int wait)
    {
        using var a = ReconcilerProcess.Start("A", url, mirrorA, wait, Settle);
        using var b = ReconcilerProcess.Start("B", url, mirrorB, wait, Settle);
        await Task.WhenAll(a.ExitsConvergedAsync(), b.ExitsConvergedAsync());
    }
}
