using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Status.Pages;

namespace LiquidMetal.Bench.Micro;

/// <summary>
/// The status branch on the 200- and 1,000-host fleets `make bench-reconcile` converges (about 800 and 4,000
/// documents): composing a pass's status commit, composing it again when one VM changed (as a steady reconciler does,
/// reusing the unchanged documents' bytes), and reading every document back as a restarted reconciler does.
/// </summary>
[MemoryDiagnoser]
public class StatusBenchmarks
{
    private const string Revision = "0123456789abcdef0123456789abcdef01234567";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private FleetDefinition _fleet = null!;
    private ImmutableArray<RenderedHost> _rendered;
    private Dictionary<string, ObservedHost> _observed = null!;
    private StatusSnapshot _previous = null!;
    private ImmutableSortedDictionary<string, byte[]> _files = null!;
    private WrittenDocuments _written = null!;
    private Dictionary<string, ObservedHost>[] _oneVmApart = null!;
    private StatusSnapshot[] _oneVmApartBefore = null!;
    private int _turn;
    private Dictionary<string, HostStatusDocument> _hostDocuments = null!;

    [Params(200, 1000)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var compiled = FleetCompiler.Compile(BenchFleets.Files(Hosts));
        if (!compiled.Succeeded)
        {
            throw new InvalidOperationException("the generated fleet does not compile: " + string.Join("; ", compiled.Diagnostics));
        }

        _fleet = compiled.Fleet!;
        _rendered = compiled.Hosts;
        _observed = _rendered.ToDictionary(h => h.Host, h => new ObservedHost(h.Host, Running(h), null, Applied: false), StringComparer.Ordinal);

        // The pass before this one wrote the same status: what a steady reconciler composes against.
        var first = StatusComposer.Compose(Revision, _fleet, _rendered, _observed, null, Now);
        _previous = first.Snapshot!;
        _files = first.Files;

        // Two observations one VM apart (a worker of the first cluster failed, then running again), composed in turn.
        var host = _rendered.First(h => h.Microvms.Any(vm => vm.Role == RoleNames.Worker));
        var worker = host.Microvms.First(vm => vm.Role == RoleNames.Worker).Id;
        var failed = new Dictionary<string, ObservedHost>(_observed, StringComparer.Ordinal)
        {
            [host.Host] = _observed[host.Host] with
            {
                Report = _observed[host.Host].Report! with
                {
                    Vms = [.. _observed[host.Host].Report!.Vms.Select(vm => vm.Id == worker ? vm with { Phase = VmPhase.Failed, Reason = "exited" } : vm)],
                },
            },
        };
        _oneVmApart = [failed, _observed];
        _written = new WrittenDocuments();
        var afterFailed = StatusComposer.Compose(Revision, _fleet, _rendered, failed, _previous, Now, written: _written);
        var afterRunning = StatusComposer.Compose(Revision, _fleet, _rendered, _observed, afterFailed.Snapshot, Now, written: _written);
        _oneVmApartBefore = [afterRunning.Snapshot!, afterFailed.Snapshot!];

        _hostDocuments = _previous.Hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        Console.WriteLine($"// status pages at {Hosts} hosts: {StatusReadme.Path} {_files[StatusReadme.Path].Length:N0} bytes, {CapacityMap.Path} {_files[CapacityMap.Path].Length:N0} bytes");
    }

    /// <summary>
    /// One pass's status commit: every host's, cluster's and the fleet's status document, as bytes. The rendered
    /// hosts' YAML is cached per compiled host (as in the reconciler, whose passes over one revision share it), so
    /// this is the status documents; <see cref="FleetCoreBenchmarks.WriteRenderedYaml"/> is the rest.
    /// </summary>
    [Benchmark]
    public int ComposeStatus() => StatusComposer.Compose(Revision, _fleet, _rendered, _observed, _previous, Now).Files.Count;

    /// <summary>
    /// A steady reconciler's pass after one VM changed state: the documents that did not change keep their bytes
    /// (<see cref="WrittenDocuments"/>), the changed host's, its cluster's, the fleet's and every whole-fleet view are
    /// written anew. The compose part of a one-cluster change's status stage.
    /// </summary>
    [Benchmark]
    public int ComposeOneVmChanged()
    {
        var turn = _turn++ & 1;
        return StatusComposer.Compose(Revision, _fleet, _rendered, _oneVmApart[turn], _oneVmApartBefore[turn], Now, written: _written).Files.Count;
    }

    /// <summary>The status README alone (part of every compose): from the documents, as a pass has them.</summary>
    [Benchmark]
    public int WriteStatusReadme() => StatusReadme.Build(_fleet.Settings.Name, _previous.Fleet, _previous.Clusters, _previous.Hosts, map: true).Length;

    /// <summary>The capacity map alone (part of every compose): the hosts grouped by site, then the SVG.</summary>
    [Benchmark]
    public int WriteCapacityMap() => CapacityMap.Build(_fleet.Settings.Name, MapSites.Of(_fleet, _rendered, _hostDocuments, _previous.Clusters)).Length;

    /// <summary>Every status/ and rendered/ document of the commit parsed back, one after another (no git, no threads).</summary>
    [Benchmark]
    public int ReadStatusDocuments()
    {
        var read = 0;
        var problems = new List<Diagnostic>();
        foreach (var (path, content) in _files)
        {
            var text = Encoding.UTF8.GetString(content);
            object? document = path switch
            {
                "status/fleet.yaml" => StatusYaml.ReadFleet(text),
                _ when path.StartsWith("status/clusters/", StringComparison.Ordinal) => StatusYaml.ReadCluster(text),
                _ when path.StartsWith("status/hosts/", StringComparison.Ordinal) => StatusYaml.ReadHost(text),
                _ => RenderedHostYaml.Read(path, text, problems),
            };
            read += document is null ? 0 : 1;
        }

        return problems.Count == 0 ? read : throw new InvalidOperationException(string.Join("; ", problems));
    }

    private static HostReport Running(RenderedHost host)
    {
        var since = Now.AddMinutes(-5);
        var vms = host.Microvms.Select(vm => new VmReport(vm.Id, vm.Cluster, vm.Hash, VmPhase.Running, string.Empty, since, 0));
        var metal = host.Metal is { } claim ? new MetalReport(claim.Node, claim.Hash, MetalPhase.Ready, string.Empty, since) : null;
        return new HostReport(host.Host, 1, host.SpecHash, host.Capacity, host.Allocated, [.. vms], metal);
    }
}
