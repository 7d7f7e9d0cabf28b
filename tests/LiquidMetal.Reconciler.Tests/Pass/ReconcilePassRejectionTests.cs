using LiquidMetal.Git;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pass;

/// <summary>A head that is invalid or not trusted is rejected whole: nothing applied, why in status, said once in the log.</summary>
public sealed class ReconcilePassRejectionTests
{
    private static readonly SignatureTrust Keys = new() { SshAllowedSignersFile = "allowed_signers" };

    [Fact]
    public async Task RunAsync_InvalidRevision_RejectedWholeWithTheErrorsInStatusAndNothingApplied()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var good = fleet.Source.Head;
        var cluster = fleet.Status.File("status/clusters/cluster-b.yaml");

        // Two changes in one push: a scale-up that would be fine, and a host with a broken value.
        fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 5  # demo: workers");
        var bad = fleet.Source.Replace("hosts/sled-2.yaml", "    cpu: 32", "    cpu: lots");
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Rejected, result.Outcome);
        Assert.False(result.Valid);
        Assert.Equal(bad, result.Revision);
        Assert.Contains(result.Errors, e => e.ToString() == "hosts/sled-2.yaml:15:10: error: spec.capacity.cpu: expected a whole number, found 'lots'");
        Assert.Equal(5, fleet.Agents.Applies.Count);
        Assert.Equal(12, fleet.RunningVms);
        var status = fleet.Status.File("status/fleet.yaml");
        Assert.Contains($"fetchedRevision: {bad}", status);
        Assert.Contains($"appliedRevision: {good}", status);
        Assert.Contains("hosts/sled-2.yaml:15:10: error: spec.capacity.cpu: expected a whole number, found 'lots'", status);
        Assert.StartsWith("rejected", fleet.Status.Pushed[^1].Message);
        Assert.Equal(cluster, fleet.Status.File("status/clusters/cluster-b.yaml")); // only status/fleet.yaml changes
    }

    [Fact]
    public async Task RunAsync_RejectedRevisionPolledAgainAndAgain_StatusWrittenOnceAndLoggedOnce()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: many");
        var results = new List<ReconcileResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await pass.RunAsync(resync: false));
        }

        Assert.All(results, r => Assert.Equal(ReconcileOutcome.Rejected, r.Outcome));
        Assert.NotNull(results[0].StatusCommit);
        Assert.All(results.Skip(1), r => Assert.Null(r.StatusCommit));
        Assert.Equal(2, fleet.Status.Pushed.Count); // the converged status, then the rejection
        Assert.Single(fleet.Log.Of(515));
        Assert.Equal(results[0].Errors.Length, fleet.Log.Of(516).Count);
    }

    [Fact]
    public async Task RunAsync_SameRejectedRevisionAfterAValidHead_IsLoggedAgain()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();
        var good = fleet.Source.Head;
        var bad = fleet.Source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: many");

        await pass.RunAsync(resync: false);
        fleet.Source.Heads[fleet.Source.Branch] = good; // reverted by a force push
        Assert.Equal(ReconcileOutcome.Converged, (await pass.RunAsync(resync: false)).Outcome);
        fleet.Source.Heads[fleet.Source.Branch] = bad; // and pushed again
        Assert.Equal(ReconcileOutcome.Rejected, (await pass.RunAsync(resync: false)).Outcome);

        Assert.Equal(2, fleet.Log.Of(515).Count);
        Assert.All(fleet.Log.Of(515), e => Assert.Equal(bad, e.Fields["Revision"]));
    }

    [Fact]
    public async Task RunAsync_FleetYamlNestedTenThousandDeep_RejectedNotACrash()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        await pass.RunAsync();

        fleet.Source.Push("fleet.yaml", _ => new string('[', 10_000));
        var result = await pass.RunAsync(resync: false);

        Assert.Equal(ReconcileOutcome.Rejected, result.Outcome);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith("fleet.yaml:", StringComparison.Ordinal));
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task RunAsync_SignaturesRequiredAndTheHeadIsUnsigned_NothingAppliedAndStatusSaysWhy()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass(fleet.Options with { RequireSignedBy = Keys });

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Rejected, result.Outcome);
        Assert.Equal("not applied: unsigned commit: no signature", Assert.Single(result.Errors).Message);
        Assert.Empty(fleet.Agents.Applies);
        Assert.Empty(fleet.Agents.Observed);
        Assert.Contains("not applied: unsigned commit", fleet.Status.File("status/fleet.yaml"));
    }

    [Fact]
    public async Task RunAsync_SignaturesRequiredAndTheHeadIsSignedByAnotherKey_NotAppliedAndLoggedOnce()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass(fleet.Options with { RequireSignedBy = Keys });
        var head = fleet.Source.Push("fleet.yaml", text => text + "\n", SignatureVerdict.Untrusted);

        var first = await pass.RunAsync();
        var again = await pass.RunAsync(resync: false);

        Assert.All([first, again], r => Assert.Equal(ReconcileOutcome.Rejected, r.Outcome));
        Assert.StartsWith("not applied: untrusted commit", Assert.Single(first.Errors).Message);
        Assert.Empty(fleet.Agents.Applies);
        var logged = Assert.Single(fleet.Log.Of(517));
        Assert.Equal(head, logged.Fields["Revision"]);
        Assert.Equal("untrusted", logged.Fields["Verdict"]);
    }

    [Fact]
    public async Task RunAsync_SignaturesRequiredAndTheHeadIsTrusted_Applied()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass(fleet.Options with { RequireSignedBy = Keys });
        fleet.Source.Push("fleet.yaml", text => text + "\n", SignatureVerdict.Trusted);

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Converged, result.Outcome);
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task RunAsync_FleetAsksForSignaturesButTheReconcilerTrustsNoKeys_AppliesNothingAndSaysHowToFixIt()
    {
        var fleet = new FakeFleet();
        await using var pass = fleet.Pass();
        fleet.Source.Replace("fleet.yaml", "mode: none", "mode: ssh");

        var result = await pass.RunAsync();

        Assert.Equal(ReconcileOutcome.Rejected, result.Outcome);
        var error = Assert.Single(result.Errors).Message;
        Assert.Contains("sets verify.mode: ssh", error);
        Assert.Contains("--require-ssh-signers", error);
        Assert.Empty(fleet.Agents.Applies);
        Assert.Contains("this reconciler trusts no keys", fleet.Status.File("status/fleet.yaml"));
    }
}
