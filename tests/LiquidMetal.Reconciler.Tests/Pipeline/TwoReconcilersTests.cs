using System.Diagnostics;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>Two real `liquidmetal reconcile` processes on one fleet, each with its own mirror, one killed mid-apply.</summary>
public sealed class TwoReconcilersTests
{
    [Fact]
    public async Task TwoReconcilers_OneKilledMidApply_LinearStatusConvergedNoFlapping()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var root = Directory.CreateTempSubdirectory("lm-two-").FullName;
        var mirrorA = Path.Combine(root, "a.git");
        var mirrorB = Path.Combine(root, "b.git");
        var overlaps = new List<string>();
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(() => WatchControlPlanes(fleet, overlaps, stop.Token));
        try
        {
            // Both start at once; A is killed as soon as any agent has been told anything.
            using (var a = Start(fleet.Url, mirrorA, 60))
            using (var b = Start(fleet.Url, mirrorB, 60))
            {
                var clock = Stopwatch.StartNew();
                while (fleet.Agents.Values.All(x => x.Core.GetStatus().ObservedGeneration == 0) && !a.HasExited)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "no reconciler reached an agent");
                    await Task.Delay(5);
                }

                await Task.Delay(Random.Shared.Next(0, 150));
                a.Kill();
                await a.WaitForExitAsync();
                var output = await b.StandardOutput.ReadToEndAsync();
                await b.WaitForExitAsync();
                Assert.True(b.ExitCode == 0, $"B exit {b.ExitCode}: {output} {await b.StandardError.ReadToEndAsync()}");
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

            // No flapping: more passes of both change nothing.
            var tip = GitTool.Run(fleet.Clone, "rev-parse", "FETCH_HEAD");
            var generations = fleet.Agents.ToDictionary(x => x.Key, x => x.Value.Core.GetStatus().ObservedGeneration);
            for (var i = 0; i < 3; i++)
            {
                await RunBothAsync(fleet.Url, mirrorA, mirrorB, 0);
            }

            fleet.StatusLog();
            Assert.Equal(tip, GitTool.Run(fleet.Clone, "rev-parse", "FETCH_HEAD"));
            Assert.Equal(generations, fleet.Agents.ToDictionary(x => x.Key, x => x.Value.Core.GetStatus().ObservedGeneration));

            // Linear history, never forced: every commit has at most one parent and the chain reaches the person's note.
            var parents = GitTool.Run(fleet.Clone, "rev-list", "--parents", "FETCH_HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(parents, line => Assert.True(line.Split(' ').Length <= 2, $"merge commit on the status branch: {line}"));
            Assert.Contains("a person's note", GitTool.Run(fleet.Clone, "log", "--format=%s", "FETCH_HEAD"));

            stop.Cancel();
            await watch;
            Assert.Empty(overlaps);
        }
        finally
        {
            stop.Cancel();
            Directory.Delete(root, recursive: true);
        }
    }

    // Control planes of one cluster that were Running must never be down two at once.
    private static async Task WatchControlPlanes(FleetUnderTest fleet, List<string> overlaps, CancellationToken token)
    {
        var seenRunning = new HashSet<string>();
        while (!token.IsCancellationRequested)
        {
            var vms = fleet.Agents.Values.SelectMany(x => x.Core.GetStatus().Vms).Where(v => v.Id.Contains("-cp-", StringComparison.Ordinal)).ToList();
            foreach (var vm in vms.Where(v => v.State == Agent.Core.VmState.Running))
            {
                seenRunning.Add(vm.Id);
            }

            foreach (var cluster in vms.GroupBy(v => v.Id[..v.Id.IndexOf("-cp-", StringComparison.Ordinal)]))
            {
                var down = cluster.Where(v => seenRunning.Contains(v.Id) && v.State != Agent.Core.VmState.Running).Select(v => v.Id).ToList();
                if (down.Count > 1)
                {
                    lock (overlaps)
                    {
                        overlaps.Add(string.Join(",", down));
                    }
                }
            }

            try
            {
                await Task.Delay(2, token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task RunBothAsync(string url, string mirrorA, string mirrorB, int wait)
    {
        using var a = Start(url, mirrorA, wait);
        using var b = Start(url, mirrorB, wait);
        var outA = a.StandardOutput.ReadToEndAsync();
        var outB = b.StandardOutput.ReadToEndAsync();
        await Task.WhenAll(a.WaitForExitAsync(), b.WaitForExitAsync());
        Assert.True(a.ExitCode == 0, $"A exit {a.ExitCode}: {await outA}");
        Assert.True(b.ExitCode == 0, $"B exit {b.ExitCode}: {await outB}");
    }

    private static Process Start(string url, string mirror, int wait)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "reconcile", "--repo", url, "--mirror", mirror, "--once", "--wait", wait.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
