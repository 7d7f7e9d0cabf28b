using System.Diagnostics;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Status;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Git in, microVMs out, status back into Git: fleet-example on a git daemon and five real agents. One test for each
/// thing only the real adapters can show; the policies behind them are unit tests on fakes (Pass/, Hosting/).
/// </summary>
public sealed class ReconcileEndToEndTests
{
    [Fact]
    public async Task Reconcile_FleetExample_ConvergesAndWritesStatusWithTrailer()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        var result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));

        Assert.True(result.Converged, string.Join("\n", result.Errors));
        Assert.Equal(fleet.Head, result.Revision);
        Assert.Equal(12, fleet.RunningVms);
        // Read as YAML: a revision that could pass for a number (0b…, 0x…, 1e5…) is written quoted.
        Assert.Equal(fleet.Head, StatusYaml.ReadFleet(fleet.StatusFile("status/fleet.yaml")).AppliedRevision);
        Assert.Contains("kind: RenderedHost", fleet.StatusFile("rendered/hosts/sled-1.yaml"));
        Assert.Contains("state: Running", fleet.StatusFile("status/clusters/cluster-b.yaml"));
        var log = fleet.StatusLog();
        Assert.StartsWith("cluster-a Ready 8/8, cluster-b Ready 6/6", log);
        Assert.Contains($"Fleet-Revision: {fleet.Head}", log);

        // A resync with nothing new: every agent asked, nothing applied, no commit.
        var resync = await reconciler.RunAsync();
        Assert.Null(resync.StatusCommit);
        Assert.True(resync.Converged);

        // A poll with nothing new: one remote-head check, no work at all.
        var clock = Stopwatch.StartNew();
        var idle = await reconciler.RunAsync(resync: false);
        Assert.Equal(ReconcileOutcome.Idle, idle.Outcome);
        Assert.Null(idle.StatusCommit);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"an idle poll took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Reconcile_InvalidPush_RejectedWholeWithErrorsInStatusAndNothingTouched()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        Assert.True((await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20))).Converged);
        var good = fleet.Head;

        // Two problems in one push: a scale-up that would be fine, and a host with a broken value.
        fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 5  # demo: workers", StringComparison.Ordinal), "scale");
        var bad = fleet.Push("hosts/sled-2.yaml", text => text.Replace("    cpu: 32", "    cpu: lots", StringComparison.Ordinal), "oops");
        var result = await reconciler.RunAsync();

        Assert.True(result.Outcome == ReconcileOutcome.Rejected && result.Revision == bad, $"{result.Outcome} {result.Revision}: {string.Join("; ", result.Errors)}");
        Assert.Equal(12, fleet.RunningVms);
        var status = fleet.StatusFile("status/fleet.yaml");
        // Read as YAML: a revision that could pass for a number (0b…, 0x…, 1e5…) is written quoted. (Its rare failures,
        // 3 in some 70 runs, were that: never an older status.)
        var document = StatusYaml.ReadFleet(status);
        Assert.Equal(bad, document.FetchedRevision);
        Assert.Equal(good, document.AppliedRevision);
        Assert.Contains("hosts/sled-2.yaml:15:10: error: spec.capacity.cpu: expected a whole number, found 'lots'", status);
        Assert.StartsWith("rejected", fleet.StatusLog());
    }

    [Fact]
    public async Task Reconcile_SignedFleet_AppliedWithKeysDepartedHostToldAtItsSignedEndpointAndUnsignedHeadsNeverSwitchItOff()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var keys = Directory.CreateTempSubdirectory("lm-keys-").FullName;
        try
        {
            var (key, allowed) = await SigningKeyAsync(keys);
            var trust = new SignatureTrust { SshAllowedSignersFile = allowed };

            // A signed commit turns verification on, and a reconciler with the key applies it.
            var fleetFile = Path.Combine(fleet.Clone, "fleet.yaml");
            await File.WriteAllTextAsync(fleetFile, (await File.ReadAllTextAsync(fleetFile)).Replace("mode: none", "mode: ssh", StringComparison.Ordinal));
            GitTool.Run(fleet.Clone, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + key, "commit", "--quiet", "-S", "-am", "require signed commits");
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
            await using (var keyed = await ReconcilePass.OpenAsync(fleet.Options with { RequireSignedBy = trust }))
            {
                Assert.True((await FleetUnderTest.ConvergeAsync(keyed, TimeSpan.FromSeconds(20))).Converged);
                Assert.NotNull(fleet.Agents["sled-4"].Core.GetStatus().Metal);

                // sled-4 leaves in a signed commit: its agent is told to run nothing at the endpoint the signed applied
                // revision gave it, then forgotten.
                RemoveHost(fleet, "sled-4", signingKey: key);
                Assert.True((await FleetUnderTest.ConvergeAsync(keyed, TimeSpan.FromSeconds(20))).Converged);
                Assert.Null(fleet.Agents["sled-4"].Core.GetStatus().Metal);
                Assert.DoesNotContain("rendered/hosts/sled-4.yaml", fleet.StatusTree());
            }

            // Later the reconciler runs without keys (and a fresh mirror), and an unsigned commit turns verification
            // off and adds a worker.
            var running = fleet.RunningVms;
            fleet.Push("fleet.yaml", text => text.Replace("mode: ssh", "mode: none", StringComparison.Ordinal), "stop verifying");
            var head = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "and scale");
            await using var keyless = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-keyless" });
            var result = await keyless.RunAsync();

            Assert.False(result.Valid);
            Assert.Equal(head, result.Revision);
            Assert.Contains("at the applied revision", Assert.Single(result.Errors).Message);
            Assert.Equal(running, fleet.RunningVms);

            // Wiping the (unsigned) status branch does not help either: the mirror that saw verification on remembers.
            GitTool.Run(fleet.Clone, "push", "--quiet", "origin", ":liquidmetal/status");
            await using var keylessAgain = await ReconcilePass.OpenAsync(fleet.Options with { MirrorPath = fleet.Options.MirrorPath + "-keyless" });
            var again = await keylessAgain.RunAsync();

            Assert.False(again.Valid);
            Assert.Contains("mirror records that the fleet asked for signed commits", Assert.Single(again.Errors).Message);
            Assert.Equal(running, fleet.RunningVms);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    /// <summary>An ed25519 key and an allowed-signers file that trusts it.</summary>
    private static async Task<(string Key, string AllowedSigners)> SigningKeyAsync(string folder)
    {
        var key = Path.Combine(folder, "release");
        using var keygen = Process.Start(new ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "release", "-f", key]) { RedirectStandardOutput = true })!;
        await keygen.WaitForExitAsync();
        var allowed = Path.Combine(folder, "allowed_signers");
        await File.WriteAllTextAsync(allowed, "person@example.com " + await File.ReadAllTextAsync(key + ".pub"));
        return (key, allowed);
    }

    /// <summary>One metal worker fewer, and the host leaves the fleet, in one commit signed with the SSH key.</summary>
    private static void RemoveHost(FleetUnderTest fleet, string host, string signingKey)
    {
        var cluster = Path.Combine(fleet.Clone, "clusters/cluster-a.yaml");
        File.WriteAllText(cluster, File.ReadAllText(cluster).Replace("      mode: metal\n      replicas: 2", "      mode: metal\n      replicas: 1", StringComparison.Ordinal));
        GitTool.Run(fleet.Clone, "rm", "--quiet", $"hosts/{host}.yaml");
        GitTool.Run(fleet.Clone, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + signingKey, "commit", "--quiet", "-S", "-am", $"{host} leaves the fleet");
        GitTool.Run(fleet.Clone, "push", "--quiet", "origin", "main");
    }
}
