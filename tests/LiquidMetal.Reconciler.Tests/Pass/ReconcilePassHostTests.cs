using LiquidMetal.Git;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Status;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>Hosts whose agents do not answer, and hosts that leave the fleet.</summary>
public sealed class ReconcilePassHostTests
{
    [Fact]
    public async Task RunAsync_OneAgentDown_TheOthersConvergeAndStatusSaysWhichHost()
    {
        var fleet = new FakeFleet();
        fleet.Agents["sled-3"].Down = true;
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converging, result.Outcome);
        Assert.Equal(["sled-1", "sled-2", "sled-4", "sled-5"], fleet.Agents.Applies.Select(a => a.Host).Order());
        Assert.Empty(fleet.Agents["sled-3"].Vms);
        Assert.Contains("unreachable: sled-3", fleet.Status.File("status/fleet.yaml"));
        Assert.Contains("reachable: false", fleet.Status.File("status/hosts/sled-3.yaml"));
        Assert.Contains("state: Unknown", fleet.Status.File("status/clusters/cluster-a.yaml")); // its nodes may well run

        fleet.Agents["sled-3"].Down = false;
        var back = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converged, back.Outcome);
        Assert.Equal(12, fleet.RunningVms);
        Assert.Single(fleet.Log.Of(511));
        Assert.Equal("sled-3", Assert.Single(fleet.Log.Of(518)).Fields["Host"]);
    }

    [Fact]
    public async Task RunAsync_AgentRefusesWithThousandsOfCharacters_TheStatusFileKeepsTheWholeMessage()
    {
        var fleet = new FakeFleet();
        var refusal = "desired state refused: " + string.Join("; ", Enumerable.Range(1, 40).Select(i => $"vm cluster-a-workers-{i}: kernel \"/srv/images/vmlinuz\" is outside the allowed image folders"));
        fleet.Agents["sled-1"].RefusesApplies = refusal;
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converging, result.Outcome);
        var host = StatusYaml.ReadHost(fleet.Status.File("status/hosts/sled-1.yaml")!);
        Assert.False(host.Reachable);
        Assert.Equal("agent refused: ResourceExhausted: " + refusal, host.Error); // the table shortens it, the file never does
    }

    [Fact]
    public async Task RunAsync_HostLeavesTheFleet_IsToldToRunNothingThenForgotten()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        Assert.NotNull(fleet.Agents["sled-4"].Metal);

        RemoveSled4(fleet.Source);
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Null(fleet.Agents["sled-4"].Metal);
        Assert.Empty(fleet.Agents["sled-4"].Vms);
        Assert.DoesNotContain("rendered/hosts/sled-4.yaml", fleet.Status.Paths);
        Assert.DoesNotContain("status/hosts/sled-4.yaml", fleet.Status.Paths);
        Assert.Contains("rendered/hosts/sled-5.yaml", fleet.Status.Paths);

        var observed = fleet.Agents.Observed.Count;
        await pass.RunAsync(resync: true);

        Assert.DoesNotContain("sled-4", fleet.Agents.Observed.Skip(observed)); // forgotten
        Assert.DoesNotContain("https://sled-4.openedge-lab.example:7443", fleet.Agents.Retained!);
    }

    [Fact]
    public async Task RunAsync_HostLeavesTheFleetWhileItsAgentIsDown_IsRememberedUntilItConfirms()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        RemoveSled4(fleet.Source);
        fleet.Agents["sled-4"].Down = true;

        var down = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Converging, down.Outcome);
        Assert.Contains("rendered/hosts/sled-4.yaml", fleet.Status.Paths);

        fleet.Agents["sled-4"].Down = false;
        var back = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converged, back.Outcome);
        Assert.Null(fleet.Agents["sled-4"].Metal);
        Assert.DoesNotContain("rendered/hosts/sled-4.yaml", fleet.Status.Paths);
    }

    [Fact]
    public async Task RunAsync_HostLeavesASignedFleet_IsToldToRunNothingOnlyAtTheEndpointTheSignedRevisionGaveIt()
    {
        var fleet = new FakeFleet();
        fleet.Source.Push("fleet.yaml", text => text + "\n", SignatureVerdict.Trusted);
        await using var pass = fleet.Pass(fleet.Options with { RequireSignedBy = new SignatureTrust { SshAllowedSignersFile = "allowed_signers" } });
        await pass.RunAsync();

        // Someone with push access to the (unsigned) status branch points sled-4's record at a machine of theirs.
        var impostor = fleet.Agents.Add("sled-4", "https://impostor.example:7443");
        fleet.Status.CommitByHand(fleet.Status.Tip, files => files.SetItem("rendered/hosts/sled-4.yaml",
            System.Text.Encoding.UTF8.GetBytes(fleet.Status.File("rendered/hosts/sled-4.yaml")!.Replace("https://sled-4.openedge-lab.example:7443", "https://impostor.example:7443", StringComparison.Ordinal))));
        RemoveSled4(fleet.Source, SignatureVerdict.Trusted);
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(0, impostor.Generation);
        Assert.NotNull(fleet.Agents.Agents.First(a => a.Host == "sled-4" && a != impostor).Metal); // not told at an endpoint no signed revision gave it
        Assert.Contains(result.Warnings, w => w.StartsWith("host sled-4 left the fleet but is not told to run nothing", StringComparison.Ordinal) && w.Contains("https://impostor.example:7443", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TwoHostsEndpointsSwapped_NeitherIsAppliedAndStatusSaysWhich()
    {
        var fleet = new FakeFleet();
        fleet.Source.Replace("hosts/sled-4.yaml", "https://sled-4.openedge-lab.example:7443", "https://sled-5.openedge-lab.example:7443");
        fleet.Source.Replace("hosts/sled-5.yaml", "https://sled-5.openedge-lab.example:7443", "https://sled-4.openedge-lab.example:7443");
        await using var pass = fleet.Pass();

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converging, result.Outcome);
        Assert.Null(fleet.Agents["sled-4"].Metal);
        Assert.Null(fleet.Agents["sled-5"].Metal);
        Assert.Contains("is host sled-5, not sled-4", fleet.Status.File("status/hosts/sled-4.yaml"));
        Assert.Equal(12, fleet.RunningVms);
    }

    /// <summary>One metal worker fewer, and sled-4 leaves the fleet.</summary>
    private static void RemoveSled4(FakeFleetSource source, SignatureVerdict signature = SignatureVerdict.Unsigned)
    {
        source.Replace("clusters/cluster-a.yaml", "      mode: metal\n      replicas: 2", "      mode: metal\n      replicas: 1", signature);
        source.Push("hosts/sled-4.yaml", _ => null, signature);
    }
}
