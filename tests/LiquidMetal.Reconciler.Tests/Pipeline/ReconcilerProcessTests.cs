using System.Diagnostics;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The real `liquidmetal reconcile` process, killed with SIGKILL mid-apply and run again.</summary>
public sealed class ReconcilerProcessTests
{
    [Fact]
    public async Task ReconcilerKilledMidApply_RunAgain_ConvergesWithoutDuplicatesOrLostStatus()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var mirror = Path.Combine(Path.GetTempPath(), "lm-kill-mirror-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Kill it as soon as the first agent has been told anything: the apply is in flight.
            using (var first = Start(fleet.Url, mirror))
            {
                var clock = Stopwatch.StartNew();
                while (fleet.Agents.Values.All(a => a.Core.GetStatus().ObservedGeneration == 0) && !first.HasExited)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the reconciler never reached an agent");
                    await Task.Delay(5);
                }

                first.Kill(); // SIGKILL
                await first.WaitForExitAsync();
            }

            using var second = Start(fleet.Url, mirror);
            var output = await second.StandardOutput.ReadToEndAsync();
            await second.WaitForExitAsync();

            Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}: {output} {await second.StandardError.ReadToEndAsync()}");
            Assert.Equal(12, fleet.RunningVms);
            Assert.Equal(12, fleet.Agents.Values.Sum(a => a.Core.GetStatus().Vms.Length)); // no duplicates, nothing extra
            Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 6/6", fleet.StatusLog());
        }
        finally
        {
            if (Directory.Exists(mirror))
            {
                Directory.Delete(mirror, recursive: true);
            }
        }
    }

    private static Process Start(string url, string mirror)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "reconcile", "--repo", url, "--mirror", mirror, "--once", "--wait", "60" })
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
