using System.Text.RegularExpressions;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Tests.Fakes;

/// <summary>
/// fleet-example on the fakes: the repository (<see cref="Source"/>), its status branch (<see cref="Status"/>), an agent
/// per host at the endpoint its host file names (<see cref="Agents"/>), the reconciler's clock and its log.
/// </summary>
internal sealed partial class FakeFleet
{
    public FakeFleet()
    {
        foreach (var (path, text) in Source.FilesAt(Source.Head).Where(f => f.Key.StartsWith("hosts/", StringComparison.Ordinal)))
        {
            Agents.Add(Path.GetFileNameWithoutExtension(path), Endpoint().Match(text).Groups[1].Value);
        }

        Status = new FakeStatusStore(Source.Heads);
    }

    public FakeFleetSource Source { get; } = FakeFleetSource.Example();

    public FakeStatusStore Status { get; }

    public FakeAgentPool Agents { get; } = new();

    public FakeClock Clock { get; } = new();

    public CapturingLogger Log { get; } = new();

    public ReconcilerOptions Options => new()
    {
        RepositoryUrl = "https://git.example/fleet.git",
        MirrorPath = "mirror.git",
        ControlPlaneSettle = TimeSpan.FromSeconds(30),
        Logger = Log,
    };

    /// <summary>A reconcile pass over the fakes (a fresh one is a restarted reconciler: it remembers nothing).</summary>
    public ReconcilePass Pass(ReconcilerOptions? options = null) => new(options ?? Options, Source, Status, Agents, Clock);

    /// <summary>The microVMs running on every agent.</summary>
    public int RunningVms => Agents.Agents.Sum(a => a.Vms.Count(v => v.Phase == VmPhase.Running));

    [GeneratedRegex(@"endpoint: (\S+)")]
    private static partial Regex Endpoint();
}
