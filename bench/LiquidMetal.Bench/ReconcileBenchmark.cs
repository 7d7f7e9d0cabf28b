using System.Diagnostics;
using System.Net;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Service;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Bench;

/// <summary>
/// The reconciler's benchmarks (issues 4 and 9): a generated fleet in a real Git repository, one real agent per host
/// (sim provider, real gRPC on loopback, in a second process: <see cref="SimAgents"/>), and the reconciler taking it
/// from push to converged;
/// then polls with nothing new, resyncs, and a one-cluster change.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // real agents, and they are Linux-only
internal static class ReconcileBenchmark
{
    /// <summary>One-cluster changes after the first one, for the status stage's median, 90th percentile and maximum.</summary>
    private const int OneClusterRepeats = 8;

    public static async Task<int> RunAsync(int hostCount, TimeSpan bootDelay)
    {
        var root = Directory.CreateTempSubdirectory("lm-reconcile-bench-").FullName;
        // Each host keeps its agent's state on its own disk; here they would all share one, and 20,000 VMs' fsynced
        // records would time this machine's disk, not the reconciler. On tmpfs when there is one (said in the output).
        var agentState = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"lm-bench-agents-{Environment.ProcessId}") : Path.Combine(root, "agents");
        Directory.CreateDirectory(agentState);
        SimAgents.Child? agents = null;
        try
        {
            var files = FleetGenerator.Generate(hostCount);
            var setup = Stopwatch.StartNew();
            var hosts = files.Keys.Where(p => p.StartsWith("hosts/", StringComparison.Ordinal)).Select(p => Path.GetFileNameWithoutExtension(p)).ToList();
            agents = await SimAgents.Child.StartAsync(hosts, agentState, bootDelay);
            foreach (var host in hosts)
            {
                var path = $"hosts/{host}.yaml";
                files[path] = files[path].Replace($"https://{host}.edge.example:7443", agents.Addresses[host], StringComparison.Ordinal);
            }

            var bare = Path.Combine(root, "fleet.git");
            var clone = Path.Combine(root, "clone");
            BenchGit.Run(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
            BenchGit.Run(root, "init", "--quiet", "--initial-branch=main", clone);
            foreach (var (path, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(clone, path))!);
                await File.WriteAllTextAsync(Path.Combine(clone, path), content);
            }

            BenchGit.Run(clone, "add", "-A");
            BenchGit.Run(clone, "commit", "--quiet", "-m", "generated fleet");
            BenchGit.Run(clone, "remote", "add", "origin", bare);
            Console.WriteLine($"{hostCount} agents (sim, boot delay {bootDelay.TotalMilliseconds:0} ms, in a process of their own, state in {Path.GetDirectoryName(agentState)}) and a {files.Count}-file fleet ready in {setup.Elapsed.TotalSeconds:0.0} s");

            await using var reconciler = await ReconcilePass.OpenAsync(new ReconcilerOptions
            {
                RepositoryUrl = bare,
                MirrorPath = Path.Combine(root, "mirror.git"),
                MaxParallelHosts = 32,
            });

            BenchGit.Run(clone, "push", "--quiet", "origin", "main");
            var first = await ConvergeAsync(reconciler, "push to converged");

            var polls = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var result = await reconciler.RunAsync(resync: false);
                polls.Add(result.Duration.TotalMilliseconds);
                if (result.Outcome != ReconcileOutcome.Idle || result.StatusCommit is not null)
                {
                    Console.WriteLine("  a poll with nothing new did work: " + result);
                    return 1;
                }
            }

            var resyncs = new List<ReconcileResult>();
            for (var i = 0; i < 3; i++)
            {
                resyncs.Add(await reconciler.RunAsync());
            }

            Console.WriteLine($"  poll with nothing new: median {Median(polls):0.0} ms, max {polls.Max():0.0} ms, no commit");
            Console.WriteLine($"  resync with nothing new (every agent looked at: on its Watch stream, or asked where none is open): median {Median(resyncs.Select(r => r.Duration.TotalMilliseconds)):0} ms, commits: {resyncs.Count(r => r.StatusCommit is not null)}");

            // One cluster scaled up: only its hosts get an Apply. Then the same again for other clusters, so the status
            // stage of a one-cluster change is a median and a maximum over several commits, not one number.
            var clusters = files.Keys.Where(p => p.StartsWith("clusters/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            await ScaleUpAndPushAsync(clone, clusters[0], "scale one cluster");
            var changes = new List<ReconcileResult>((await ConvergeAsync(reconciler, "one cluster scaled up, push to converged")).Passes);
            var (pausedBefore, collectionsBefore) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
            var (gen1Before, gen2Before) = (GC.CollectionCount(1), GC.CollectionCount(2));
            var repeats = Stopwatch.StartNew();
            for (var i = 1; i <= OneClusterRepeats; i++)
            {
                await ScaleUpAndPushAsync(clone, clusters[(i * 7) % clusters.Count], $"scale cluster {i}");
                changes.AddRange((await ConvergeAsync(reconciler, null)).Passes);
            }

            ReportStatusStages(changes, OneClusterRepeats + 1);
            Console.WriteLine($"  over the last {OneClusterRepeats} changes ({repeats.Elapsed.TotalSeconds:0.0} s): the reconciler's GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:0} ms in " +
                $"{GC.CollectionCount(0) - collectionsBefore} collections ({GC.CollectionCount(1) - gen1Before} of gen 1, {GC.CollectionCount(2) - gen2Before} of gen 2)");

            // A restarted reconciler (same mirror on disk, nothing in memory) over the converged fleet: it reads the
            // status branch back, compiles, asks every agent, and must find nothing to do.
            await using (var restarted = await ReconcilePass.OpenAsync(new ReconcilerOptions { RepositoryUrl = bare, MirrorPath = Path.Combine(root, "mirror.git"), MaxParallelHosts = 32 }))
            {
                var pass = await restarted.RunAsync();
                Console.WriteLine($"restarted reconciler, first pass: {Describe(pass)}; converged {pass.Converged}");
                if (!pass.Converged || pass.StatusCommit is not null)
                {
                    Console.WriteLine("  a restarted reconciler over a converged fleet should change nothing");
                    return 1;
                }
            }

            var overhead = first.Total - bootDelay;
            Console.WriteLine($"  reconciler overhead on the first convergence (total minus the {bootDelay.TotalMilliseconds:0} ms boot): {overhead.TotalMilliseconds:0} ms");
            var webhook = await WebhookAsync(reconciler, clone, clusters[1], bootDelay);
            var peak = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            Console.WriteLine($"reconciler process: peak RSS {long.Parse(peak, System.Globalization.CultureInfo.InvariantCulture) / 1024} MiB, CPU {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:0.0} s; the {hostCount} agents' process: CPU {agents.CpuTime.TotalSeconds:0.0} s");
            return webhook;
        }
        finally
        {
            if (agents is not null)
            {
                await agents.DisposeAsync();
            }

            if (Environment.GetEnvironmentVariable("LIQUIDMETAL_BENCH_KEEP") == "1")
            {
                Console.WriteLine($"kept for a look (LIQUIDMETAL_BENCH_KEEP=1): {root} and {agentState}");
            }
            else
            {
                Directory.Delete(root, recursive: true);
                if (Directory.Exists(agentState))
                {
                    Directory.Delete(agentState, recursive: true);
                }
            }
        }
    }

    /// <summary>
    /// The service as it runs: the reconcile loop with its webhook (polls an hour apart, so only the webhook can start
    /// the work), a change pushed, GitHub's signed push event posted, and the time until a pass reports convergence.
    /// </summary>
    private static async Task<int> WebhookAsync(ReconcilePass reconciler, string clone, string cluster, TimeSpan bootDelay)
    {
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var loop = await BenchWebhook.StartLoopAsync(reconciler, secret);
        var passes = new System.Collections.Concurrent.ConcurrentQueue<ReconcileResult>();
        loop.Reconciled += passes.Enqueue;
        var started = Stopwatch.StartNew();
        while (loop.Last is null && started.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(10);
        }

        // Another cluster scaled up and pushed; then the push event, signed as GitHub signs it.
        await ScaleUpAndPushAsync(clone, cluster, "scale another cluster");
        var head = BenchGit.Run(clone, "rev-parse", "HEAD").Trim();
        passes.Clear();

        var clock = Stopwatch.StartNew();
        await BenchWebhook.PostPushAsync(loop, secret, head);
        var converged = await BenchWebhook.ConvergedAsync(loop, head, TimeSpan.FromMinutes(5));
        var total = clock.Elapsed;
        foreach (var pass in passes)
        {
            Console.WriteLine("    pass: " + Describe(pass));
        }

        Console.WriteLine($"webhook to converged (reconcile loop, woken by the agents' Watch streams): {total.TotalMilliseconds:0} ms in {passes.Count} passes ({(converged ? "converged" : "NOT converged")})");
        Console.WriteLine($"  reconciler overhead (total minus the {bootDelay.TotalMilliseconds:0} ms boot): {(total - bootDelay).TotalMilliseconds:0} ms; time in passes {passes.Sum(p => p.Duration.TotalMilliseconds):0} ms");
        return converged ? 0 : 1;
    }

    /// <summary>Converges after a push; prints each pass and a summary unless <paramref name="what"/> is null.</summary>
    private static async Task<(TimeSpan Total, IReadOnlyList<ReconcileResult> Passes)> ConvergeAsync(ReconcilePass reconciler, string? what)
    {
        var clock = Stopwatch.StartNew();
        var passes = new List<ReconcileResult>();
        while (true)
        {
            var result = await reconciler.RunAsync();
            passes.Add(result);
            if (result.Converged || !result.Valid || clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                break;
            }

            await Task.Delay(50);
        }

        if (what is null)
        {
            return (clock.Elapsed, passes);
        }

        foreach (var pass in passes)
        {
            Console.WriteLine("    pass: " + Describe(pass));
        }

        var last = passes[^1];
        Console.WriteLine($"{what}: {clock.Elapsed.TotalMilliseconds:0} ms in {passes.Count} passes ({(last.Converged ? "converged" : "NOT converged")})");
        Console.WriteLine($"  per pass: sync {Median(passes.Select(p => p.Timings.Sync.TotalMilliseconds)):0} ms, compile {Median(passes.Select(p => p.Timings.Compile.TotalMilliseconds)):0} ms, " +
            $"apply+observe {Median(passes.Select(p => p.Timings.Apply.TotalMilliseconds)):0} ms, status {Median(passes.Select(p => p.Timings.Status.TotalMilliseconds)):0} ms (medians); " +
            $"status commits {passes.Count(p => p.StatusCommit is not null)}, slowest status stage {passes.Max(p => p.Timings.Status.TotalMilliseconds):0} ms");
        return (clock.Elapsed, passes);
    }

    /// <summary>The status stage of every pass that made a status commit after one-cluster changes: median, 90th percentile and maximum, and its parts.</summary>
    private static void ReportStatusStages(IReadOnlyList<ReconcileResult> passes, int changes)
    {
        var committed = passes.Where(p => p.StatusCommit is not null).Select(p => p.Timings).ToList();
        string Of(Func<PassTimings, TimeSpan> stage) =>
            $"median {Median(committed.Select(t => stage(t).TotalMilliseconds)):0} ms, p90 {Percentile(committed.Select(t => stage(t).TotalMilliseconds), 0.9):0} ms, max {committed.Max(t => stage(t).TotalMilliseconds):0} ms";
        Console.WriteLine($"one-cluster changes ({changes}, {passes.Count} passes, {committed.Count} status commits): status stage {Of(t => t.Status)}");
        Console.WriteLine($"  compose {Of(t => t.StatusCompose)}; commit objects {Of(t => t.StatusObjects)}; push {Of(t => t.StatusPush)}");
        Console.WriteLine($"  every status stage (ms): {string.Join(' ', committed.Select(t => t.Status.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    /// <summary>One pass by stage: its time, what each stage took, and the status commit it made.</summary>
    private static string Describe(ReconcileResult pass) =>
        $"{pass.Duration.TotalMilliseconds:0} ms = sync {pass.Timings.Sync.TotalMilliseconds:0} + read status {pass.Timings.StatusRead.TotalMilliseconds:0} + compile {pass.Timings.Compile.TotalMilliseconds:0} + apply/observe {pass.Timings.Apply.TotalMilliseconds:0} " +
        $"+ status {pass.Timings.Status.TotalMilliseconds:0} (compose {pass.Timings.StatusCompose.TotalMilliseconds:0}, objects {pass.Timings.StatusObjects.TotalMilliseconds:0}, push {pass.Timings.StatusPush.TotalMilliseconds:0}); commit {(pass.StatusCommit is null ? "none" : pass.StatusCommit[..8])}";

    /// <summary>One more replica in the first worker pool of a cluster file, committed and pushed as a person would.</summary>
    private static async Task ScaleUpAndPushAsync(string clone, string cluster, string message)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(clone, cluster));
        var at = text.IndexOf("      replicas: ", StringComparison.Ordinal);
        var end = text.IndexOf('\n', at);
        var replicas = int.Parse(text[(at + 16)..end], System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(clone, cluster), text[..at] + $"      replicas: {replicas + 1}" + text[end..]);
        BenchGit.Run(clone, "commit", "--quiet", "-am", message);
        BenchGit.Run(clone, "push", "--quiet", "origin", "main");
    }

    private static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>The smallest value at least <paramref name="fraction"/> of the values are at or under (nearest rank; the median is the lower middle one).</summary>
    private static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
    }
}
