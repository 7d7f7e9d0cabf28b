using LiquidMetal.Agent.Core;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Two real `liquidmetal reconcile` processes on one fleet, each with its own mirror, one killed with SIGKILL mid-apply.
/// Each control plane's changes come from its agent's own feed (<see cref="ControlPlaneWatch"/>), so two control
/// planes of a cluster down at once is seen however short.
/// </summary>
public sealed class TwoReconcilersTests
{
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
        using var a = ReconcilerProcess.Start("A", url, mirrorA, wait);
        using var b = ReconcilerProcess.Start("B", url, mirrorB, wait);
        await Task.WhenAll(a.ExitsConvergedAsync(), b.ExitsConvergedAsync());
    }
}
