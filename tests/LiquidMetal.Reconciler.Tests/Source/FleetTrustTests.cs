using LiquidMetal.Git;
using LiquidMetal.Reconciler.Source;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Source;

/// <summary>
/// Whether a head may be applied: verify.mode at the applied revision and at the head, the mark beside the mirror, and
/// the keys that only the reconciler's configuration can give.
/// </summary>
public sealed class FleetTrustTests
{
    private static readonly SignatureTrust Keys = new() { SshAllowedSignersFile = "allowed_signers" };

    private readonly FakeFleetSource _source = FakeFleetSource.Example();
    private readonly List<string> _warnings = [];

    [Fact]
    public async Task JudgeAsync_NoKeysAndVerifyModeNone_ApplicableWithoutAskingForSignatures()
    {
        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(_source.Head, applied: null, _warnings, CancellationToken.None);

        Assert.True(verdict.Trusted);
        Assert.Equal(0, _source.Verifications);
        Assert.Null(_source.SignaturesRequiredMark);
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task JudgeAsync_HeadSetsVerifyModeAndNoKeys_RefusedAsUnverifiableAndMarked()
    {
        var head = _source.Replace("fleet.yaml", "mode: none", "mode: ssh");

        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(head, applied: null, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Equal("unverifiable", verdict.Verdict);
        Assert.Equal("fleet.yaml", verdict.Refusal!.Location.File);
        Assert.Contains($"fleet.yaml at the head revision {head[..12]} sets verify.mode: ssh", verdict.Refusal.Message);
        Assert.Contains("--require-ssh-signers FILE or --require-gpg-key FINGERPRINT", verdict.Refusal.Message);
        Assert.Contains("sets verify.mode: ssh", _source.SignaturesRequiredMark);
    }

    [Fact]
    public async Task JudgeAsync_AppliedRevisionSetsVerifyModeAndTheHeadTurnsItOff_RefusedByTheAppliedRevisionsPolicy()
    {
        var applied = _source.Replace("fleet.yaml", "mode: none", "mode: ssh", SignatureVerdict.Trusted);
        var head = _source.Replace("fleet.yaml", "mode: ssh", "mode: none");

        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(head, applied, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Contains($"fleet.yaml at the applied revision {applied[..12]} sets verify.mode: ssh", verdict.Refusal!.Message);
        Assert.Contains("at the applied revision", _source.SignaturesRequiredMark);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("main")]
    [InlineData("0123456789abcdef0123456789abcdef0123456G")]
    public async Task JudgeAsync_AppliedRevisionIsNoCommitId_RefusedWithoutKeys(string applied)
    {
        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(_source.Head, applied, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Contains("not a commit id", verdict.Refusal!.Message);
        Assert.Null(_source.SignaturesRequiredMark); // nothing declared it: nothing to remember
    }

    [Fact]
    public async Task JudgeAsync_AppliedRevisionNotInTheSource_WarnsAndJudgesByTheHead()
    {
        var missing = new string('e', 40);

        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(_source.Head, missing, _warnings, CancellationToken.None);

        Assert.True(verdict.Trusted);
        Assert.Contains(_warnings, w => w.Contains($"the applied revision {missing[..12]} named on the status branch is not in the mirror", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("spec: [unclosed\n")]
    [InlineData(null)]
    public async Task JudgeAsync_FleetYamlAtTheAppliedRevisionCannotBeRead_RefusedWithoutKeys(string? fleetYaml)
    {
        var good = _source.Head;
        var applied = _source.Push("fleet.yaml", _ => fleetYaml);
        _source.Heads[_source.Branch] = good;
        var head = _source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");

        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(head, applied, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Contains($"fleet.yaml at the applied revision {applied[..12]} cannot be read", verdict.Refusal!.Message);
    }

    [Fact]
    public async Task JudgeAsync_MarkLeftBeforeAndNoKeys_RefusedAndSaysWhichFileToDelete()
    {
        _source.SignaturesRequiredMark = "fleet.yaml at the head revision 0123456789ab sets verify.mode: ssh";

        var verdict = await new FleetTrust(_source, keys: null).JudgeAsync(_source.Head, applied: null, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Contains("mirror records that the fleet asked for signed commits before", verdict.Refusal!.Message);
        Assert.Contains("delete mirror.git/liquidmetal-signatures-required", verdict.Refusal.Message);
    }

    [Theory]
    [InlineData(SignatureVerdict.Unsigned, "unsigned")]
    [InlineData(SignatureVerdict.Untrusted, "untrusted")]
    public async Task JudgeAsync_KeysAndAHeadWithoutATrustedSignature_RefusedNamingTheCommit(SignatureVerdict signature, string expected)
    {
        var head = _source.Push("fleet.yaml", text => text + "\n", signature);

        var verdict = await new FleetTrust(_source, Keys).JudgeAsync(head, applied: null, _warnings, CancellationToken.None);

        Assert.False(verdict.Trusted);
        Assert.Equal(expected, verdict.Verdict);
        Assert.Equal($"(commit {head[..12]})", verdict.Refusal!.Location.File);
        Assert.StartsWith($"not applied: {expected} commit: ", verdict.Refusal.Message);
    }

    [Fact]
    public async Task JudgeAsync_KeysAndATrustedHead_ApplicableWhateverTheFleetSays()
    {
        var head = _source.Replace("fleet.yaml", "mode: none", "mode: gpg", SignatureVerdict.Trusted);

        var verdict = await new FleetTrust(_source, Keys).JudgeAsync(head, applied: null, _warnings, CancellationToken.None);

        Assert.True(verdict.Trusted);
        Assert.Equal(1, _source.Verifications);
        Assert.NotNull(_source.SignaturesRequiredMark); // remembered for a reconciler started without keys later
    }

    [Fact]
    public async Task JudgeAsync_SameRevisionsTwice_ReadsEachFleetYamlOnce()
    {
        var trust = new FleetTrust(_source, keys: null);
        var applied = _source.Head;
        var head = _source.Replace("clusters/cluster-b.yaml", "replicas: 3  # demo: workers", "replicas: 4  # demo: workers");

        await trust.JudgeAsync(head, applied, _warnings, CancellationToken.None);
        await trust.JudgeAsync(head, applied, _warnings, CancellationToken.None);

        Assert.Equal(2, _source.FileReads);
    }

    [Fact]
    public async Task VouchedEndpointsAsync_NoKeys_NoCheck()
    {
        Assert.Null(await new FleetTrust(_source, keys: null).VouchedEndpointsAsync(_source.Head, _warnings, CancellationToken.None));
    }

    [Fact]
    public async Task VouchedEndpointsAsync_KeysAndNoAppliedRevision_VouchesForNone()
    {
        Assert.Empty((await new FleetTrust(_source, Keys).VouchedEndpointsAsync(applied: null, _warnings, CancellationToken.None))!);
    }

    [Fact]
    public async Task VouchedEndpointsAsync_TrustedAppliedRevision_EveryHostAtItsEndpointVerifiedOnce()
    {
        var applied = _source.Replace("hosts/sled-1.yaml", "sled-1.openedge-lab.example:7443", "sled-1.openedge-lab.example:7443/", SignatureVerdict.Trusted);
        var trust = new FleetTrust(_source, Keys);

        var vouched = await trust.VouchedEndpointsAsync(applied, _warnings, CancellationToken.None);
        await trust.VouchedEndpointsAsync(applied, _warnings, CancellationToken.None);

        Assert.Equal(5, vouched!.Count);
        Assert.Contains(("sled-1", "https://sled-1.openedge-lab.example:7443"), vouched); // without the trailing slash
        Assert.Contains(("sled-4", "https://sled-4.openedge-lab.example:7443"), vouched);
        Assert.Equal(1, _source.Verifications);
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task VouchedEndpointsAsync_AppliedRevisionNotTrusted_VouchesForNoneAndWarns()
    {
        var vouched = await new FleetTrust(_source, Keys).VouchedEndpointsAsync(_source.Head, _warnings, CancellationToken.None);

        Assert.Empty(vouched!);
        Assert.Contains(_warnings, w => w.StartsWith("hosts that left the fleet are not told to stop", StringComparison.Ordinal));
    }
}
