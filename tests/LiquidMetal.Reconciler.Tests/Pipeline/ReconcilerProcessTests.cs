using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// The real `liquidmetal reconcile` process: killed with SIGKILL mid-apply and run again; as a service, its /metrics
/// beside OTLP, and without them.
/// </summary>
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
            using (var first = Start(fleet.Url, mirror, "--once", "--wait", "60"))
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

            using var second = Start(fleet.Url, mirror, "--once", "--wait", "60");
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

    [Fact]
    public async Task ReconcileService_OtlpEndpointGiven_MetricsCountExactlyItsOwnPassesAndMetricsFalseLeavesThemOut()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var mirror = Path.Combine(Path.GetTempPath(), "lm-metrics-mirror-" + Guid.NewGuid().ToString("N")[..8]);
        using var http = new HttpClient();
        var started = new List<Process>();
        try
        {
            // OTLP to a port nothing listens on: that exporter fails on its own, and /metrics has a provider of its own.
            // Alone in its process, the reconciler's meter counts this fleet's passes and nothing else.
            var service = Start(fleet.Url, mirror, "--listen", "127.0.0.1:0", "--interval", "3600", "--resync", "3600", "--otlp-endpoint", "http://127.0.0.1:9");
            started.Add(service);
            var lines = Lines(service);
            var start = await LineAsync(lines, l => l.StartsWith("reconciling ", StringComparison.Ordinal));
            Assert.Contains(", webhook, health and metrics on http://127.0.0.1:", start, StringComparison.Ordinal);
            var metrics = new Uri(new Uri(start[(start.LastIndexOf(' ') + 1)..]), "/metrics");
            await LineAsync(lines, l => l.StartsWith("revision ", StringComparison.Ordinal) && l.Contains(": converged;", StringComparison.Ordinal));

            // Each pass that did something printed a line: the histogram counts as many (asked again while a scrape
            // cached before the last pass may be answered).
            var clock = Stopwatch.StartNew();
            string text;
            IReadOnlyDictionary<string, PrometheusText.Family> families;
            do
            {
                families = PrometheusText.Parse(text = await http.GetStringAsync(metrics));
            }
            while (families["liquidmetal_reconcile_duration_seconds"].Sum("liquidmetal_reconcile_duration_seconds_count") != Passes(lines) && clock.Elapsed < TimeSpan.FromSeconds(10));

            var duration = families["liquidmetal_reconcile_duration_seconds"];
            Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_count") == Passes(lines), $"{Passes(lines)} passes printed; /metrics:\n{text}");
            Assert.True(duration.Sum("liquidmetal_reconcile_duration_seconds_count", ("converged", "true")) >= 1, text);
            Assert.Equal(12, families["liquidmetal_vms"].Sum("liquidmetal_vms", ("state", "Running")));
            Assert.Equal(12, families["liquidmetal_vms"].Sum("liquidmetal_vms"));
            Assert.Equal(0, families["liquidmetal_apply_errors_total"].Sum("liquidmetal_apply_errors_total"));
            service.Kill();
            await service.WaitForExitAsync();

            var quiet = Start(fleet.Url, mirror, "--listen", "127.0.0.1:0", "--metrics", "false");
            started.Add(quiet);
            var line = await LineAsync(Lines(quiet), l => l.StartsWith("reconciling ", StringComparison.Ordinal));
            Assert.Contains(", webhook and health on http://127.0.0.1:", line, StringComparison.Ordinal);
            var health = new Uri(line[(line.LastIndexOf(' ') + 1)..]);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(health, "/metrics"))).StatusCode);
            Assert.Equal("ok\n", await http.GetStringAsync(new Uri(health, "/healthz")));
        }
        finally
        {
            foreach (var process in started)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                process.Dispose();
            }

            if (Directory.Exists(mirror))
            {
                Directory.Delete(mirror, recursive: true);
            }
        }
    }

    /// <summary>The lines a process writes to standard output, as they come (standard error is read and dropped).</summary>
    private static ConcurrentQueue<string> Lines(Process process)
    {
        var lines = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return lines;
    }

    private static async Task<string> LineAsync(ConcurrentQueue<string> lines, Func<string, bool> match)
    {
        string? line = null;
        await Eventually.TrueAsync(() => (line = lines.FirstOrDefault(match)) is not null, "a line of the reconciler's output", TimeSpan.FromSeconds(60));
        return line!;
    }

    /// <summary>The passes that did something, each of which `reconcile` reports in a line.</summary>
    private static int Passes(ConcurrentQueue<string> lines) => lines.Count(l => l.StartsWith("revision ", StringComparison.Ordinal));

    private static Process Start(string url, string mirror, params string[] options)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"), "reconcile", "--repo", url, "--mirror", mirror }.Concat(options))
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
