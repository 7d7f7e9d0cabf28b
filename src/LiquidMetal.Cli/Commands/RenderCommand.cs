using System.CommandLine;
using System.Diagnostics;
using LiquidMetal.Cli.Output;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal render DIR [--out OUT] [--previous PREV]</c>: what every host must run, one YAML document per host.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "The fleet directory" };
        var outDirectory = new Option<string?>("--out") { Description = "Write <host>.yaml per host here (stale host files are removed); default: all documents to stdout" };
        var previous = new Option<string?>("--previous") { Description = "A directory of earlier rendered hosts: nodes stay where they ran (stable placement)" };
        var stats = new Option<bool>("--stats") { Description = "Print timings and peak memory to stderr" };
        var command = new Command("render", "Validate, place and render a fleet into per-host microVM specs. Exit 0 rendered, 2 invalid.") { directory, outDirectory, previous, stats };
        command.SetAction(parse =>
        {
            FleetWarmup.Start(); // the walk, the checks and placement use one core: the other meets each stage's first-use costs
            return Run(parse.GetValue(directory)!, parse.GetValue(outDirectory), parse.GetValue(previous), parse.GetValue(stats), Console.Out, Console.Error);
        });
        return command;
    }

    internal static int Run(string directory, string? outDirectory, string? previousDirectory, bool stats, TextWriter output, TextWriter error)
    {
        var clock = Stopwatch.StartNew();
        if (!TryReadPrevious(previousDirectory, error, out var previous))
        {
            return ExitCodes.Failed;
        }

        // Into a directory, each host is rendered and written in one go, and dropped: no host's rendering waits for the last.
        var compiled = outDirectory is null ? FleetCompiler.Compile(directory, previous) : FleetCompiler.Place(directory, previous);
        if (!compiled.Succeeded)
        {
            DiagnosticWriter.Write(error, directory, compiled.Diagnostics);
            return ExitCodes.Invalid;
        }

        var writeClock = Stopwatch.StartNew();
        int hosts = compiled.Hosts.Length, vms = 0, metal = 0;
        if (outDirectory is null)
        {
            var first = true;
            foreach (var host in compiled.Hosts)
            {
                output.Write(first ? string.Empty : "---\n");
                output.Write(RenderedHostYaml.Write(host));
                first = false;
                vms += host.Microvms.Length;
            }
        }
        else
        {
            var rendering = Renderer.Prepare(compiled.Fleet!, compiled.Placement!);
            hosts = rendering.HostCount;
            try
            {
                RenderedDirectory.Write(outDirectory, hosts, i =>
                {
                    var host = rendering.Render(i);
                    Interlocked.Add(ref vms, host.Microvms.Length);
                    Interlocked.Add(ref metal, host.Metal is null ? 0 : 1);
                    return host;
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"liquidmetal: cannot write the rendered hosts into {outDirectory}: {e.Message}");
                return ExitCodes.Failed;
            }

            output.WriteLine($"rendered {hosts} hosts ({vms} microVMs, {metal} metal) into {outDirectory}");
        }

        if (stats)
        {
            var t = compiled.Timings;
            var written = writeClock.Elapsed.TotalMilliseconds;
            using var self = Process.GetCurrentProcess();
            error.WriteLine(
                $"stats: load+validate {t.Load.TotalMilliseconds:0} ms, place {t.Place.TotalMilliseconds:0} ms, " +
                (outDirectory is null ? $"render {t.Render.TotalMilliseconds:0} ms, write {written:0} ms, " : $"render+write {written:0} ms, ") +
                $"in-process total {clock.Elapsed.TotalMilliseconds:0} ms, " +
                $"GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms in {GC.CollectionCount(0)} collections ({GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2), " +
                $"JIT {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0} ms for {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, peak RSS {self.PeakWorkingSet64 / (1024 * 1024)} MiB, " +
                $"{compiled.Fleet!.Hosts.Length} hosts, {compiled.Fleet.Clusters.Length} clusters, {vms} microVMs");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Reads <c>--previous</c>; false (with the errors printed) when it is given but unreadable.</summary>
    internal static bool TryReadPrevious(string? directory, TextWriter error, out Dictionary<string, PlacedNode>? previous)
    {
        previous = null;
        if (directory is null)
        {
            return true;
        }

        var diagnostics = new List<Diagnostic>();
        var hosts = RenderedDirectory.Read(directory, diagnostics);
        if (diagnostics.Count > 0)
        {
            DiagnosticWriter.Write(error, directory, diagnostics);
            return false;
        }

        previous = RenderedDirectory.PlacementOf(hosts);
        return true;
    }
}
