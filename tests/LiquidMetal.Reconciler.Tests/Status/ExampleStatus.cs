using System.Runtime.CompilerServices;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>fleet-example's status mid-rollout, as the status golden files pin it: something of every kind to show.</summary>
internal static class ExampleStatus
{
    public const string Revision = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

    public static readonly DateTimeOffset Noon = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static CompiledFleet Compile()
    {
        var compiled = FleetCompiler.Compile(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Here())!, "..", "..", "..", "fleet-example")));
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        return compiled;
    }

    /// <summary>Most VMs running; one failed with a multi-line reason; sled-4's agent unreachable; the metal node bootstrapping.</summary>
    public static Dictionary<string, ObservedHost> MidRollout(CompiledFleet compiled) => compiled.Hosts.ToDictionary(h => h.Host, h =>
    {
        if (h.Host == "sled-4")
        {
            return new ObservedHost(h.Host, null, "connect: connection refused (sled-4.openedge-lab.example:7443)", Applied: false);
        }

        var vms = h.Microvms.Select(vm =>
        {
            var failed = vm.Id == "cluster-b-workers-2";
            return new VmReport(
                vm.Id,
                vm.Cluster,
                vm.Hash,
                failed ? VmPhase.Failed : VmPhase.Running,
                failed ? "qemu exited with status 1\nlast console line: \"Kernel panic - not syncing: VFS\": true" : string.Empty,
                Noon.AddMinutes(-3),
                failed ? 2 : 0);
        });
        var metal = h.Metal is { } claim ? new MetalReport(claim.Node, claim.Hash, MetalPhase.Bootstrapping, string.Empty, Noon) : null;
        var report = new HostReport(h.Host, 3, h.SpecHash, new Resources(30, 94208), null, [.. vms], metal);
        return new ObservedHost(h.Host, report, null, Applied: true);
    });

    private static string Here([CallerFilePath] string source = "") => source;

    public static StatusCommit Compose() => Compose(Compile());

    public static StatusCommit Compose(CompiledFleet compiled) => StatusComposer.Compose(Revision, compiled.Fleet!, compiled.Hosts, MidRollout(compiled), null, Noon);
}
