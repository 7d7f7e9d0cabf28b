using System.Text.RegularExpressions;

namespace LiquidMetal.Git.Tests;

public sealed class SignatureVerifierTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lm-sign-").FullName;
    private readonly string _repo;

    public SignatureVerifierTests()
    {
        _repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(_repo);
        Git.Run(_repo, "init", "--quiet", "--initial-branch=main");
        Git.Run(_repo, "config", "user.name", "Test Person");
        Git.Run(_repo, "config", "user.email", "person@example.com");
    }

    [Fact]
    public async Task VerifyAsync_SshSignedByAllowedKey_IsTrusted()
    {
        var key = SshKey("trusted");
        var commit = SshSignedCommit(key);
        var allowed = AllowedSigners(key);

        var check = await Verify(commit, new SignatureTrust { SshAllowedSignersFile = allowed });

        Assert.Equal(SignatureVerdict.Trusted, check.Verdict);
        Assert.Contains("person@example.com", check.Detail);
    }

    [Fact]
    public async Task VerifyAsync_SshSignedByUnknownKey_IsUntrusted()
    {
        var commit = SshSignedCommit(SshKey("stranger"));
        var allowed = AllowedSigners(SshKey("trusted"));

        var check = await Verify(commit, new SignatureTrust { SshAllowedSignersFile = allowed });

        Assert.Equal(SignatureVerdict.Untrusted, check.Verdict);
        Assert.Contains("not trusted", check.Detail);
    }

    [Fact]
    public async Task VerifyAsync_KeyValidOnlyBeforeToday_IsJudgedAtTheCommitsTime()
    {
        // As git verify-commit does: the allowed-signers validity applies to when the commit was signed.
        var key = SshKey("retired");
        var old = SshSignedCommit(key, new Dictionary<string, string> { ["GIT_COMMITTER_DATE"] = "2020-06-01T12:00:00Z" });
        var recent = SshSignedCommit(key);
        var allowed = AllowedSigners(key, "valid-before=\"20210101\"");

        var oldCheck = await Verify(old, new SignatureTrust { SshAllowedSignersFile = allowed });
        var recentCheck = await Verify(recent, new SignatureTrust { SshAllowedSignersFile = allowed });

        Assert.Equal(SignatureVerdict.Trusted, oldCheck.Verdict);
        Assert.Equal(SignatureVerdict.Untrusted, recentCheck.Verdict);
    }

    [Fact]
    public async Task VerifyAsync_SshSignedButNoAllowedSignersConfigured_IsUntrustedAndSaysWhy()
    {
        var commit = SshSignedCommit(SshKey("trusted"));

        var check = await Verify(commit, new SignatureTrust { GpgHome = _root });

        Assert.Equal(SignatureVerdict.Untrusted, check.Verdict);
        Assert.Contains("no SSH allowed-signers file is configured", check.Detail);
    }

    [Fact]
    public async Task VerifyAsync_UnsignedCommit_IsUnsigned()
    {
        var commit = Git.CommitFile(_repo, "fleet.yaml", "x\n", "unsigned");

        var check = await Verify(commit, new SignatureTrust { SshAllowedSignersFile = AllowedSigners(SshKey("trusted")) });

        Assert.Equal(SignatureVerdict.Unsigned, check.Verdict);
        Assert.Contains("is not signed", check.Detail);
    }

    [Fact]
    public async Task VerifyAsync_GpgSigned_TrustedOnlyWhenFingerprintIsListed()
    {
        var signerHome = Path.Combine(_root, "gpg-signer");
        var trustHome = Path.Combine(_root, "gpg-trust");
        Directory.CreateDirectory(signerHome);
        Directory.CreateDirectory(trustHome);
        Gpg(signerHome, "--batch", "--passphrase", "", "--quick-gen-key", "Test Person <person@example.com>", "ed25519", "sign", "never");
        var fingerprint = Regex.Match(Gpg(signerHome, "--with-colons", "--list-keys"), "^fpr:+([0-9A-F]{40}):", RegexOptions.Multiline).Groups[1].Value;
        File.WriteAllText(Path.Combine(_root, "pub.asc"), Gpg(signerHome, "--armor", "--export", fingerprint));
        Gpg(trustHome, "--batch", "--import", Path.Combine(_root, "pub.asc"));
        Git.Run(_repo, "config", "user.signingKey", fingerprint);
        File.WriteAllText(Path.Combine(_repo, "fleet.yaml"), "gpg\n");
        Git.Run(_repo, "add", ".");
        Git.RunWith(_repo, new Dictionary<string, string> { ["GNUPGHOME"] = signerHome }, "commit", "--quiet", "-S", "-m", "gpg signed");
        var commit = Git.Run(_repo, "rev-parse", "HEAD");

        var listed = await Verify(commit, new SignatureTrust { GpgHome = trustHome, GpgFingerprints = [fingerprint] });
        var unlisted = await Verify(commit, new SignatureTrust { GpgHome = trustHome, GpgFingerprints = [new string('A', 40)] });

        Assert.Equal(SignatureVerdict.Trusted, listed.Verdict);
        Assert.Equal(SignatureVerdict.Untrusted, unlisted.Verdict);
        Assert.Contains("not among the trusted fingerprints", unlisted.Detail);
    }

    private async Task<SignatureCheck> Verify(string commit, SignatureTrust trust)
    {
        await using var mirror = await GitMirror.OpenAsync(Path.Combine(_repo, ".git"), _repo);
        return await new SignatureVerifier(mirror, trust).VerifyAsync(commit);
    }

    private string SshKey(string name)
    {
        var path = Path.Combine(_root, name);
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path);
        return path;
    }

    private string SshSignedCommit(string key, IReadOnlyDictionary<string, string>? environment = null)
    {
        Git.Run(_repo, "config", "gpg.format", "ssh");
        Git.Run(_repo, "config", "user.signingKey", key + ".pub");
        File.WriteAllText(Path.Combine(_repo, "fleet.yaml"), Guid.NewGuid().ToString());
        Git.Run(_repo, "add", ".");
        Git.RunWith(_repo, environment ?? new Dictionary<string, string>(), "commit", "--quiet", "-S", "-m", "signed");
        return Git.Run(_repo, "rev-parse", "HEAD");
    }

    private string AllowedSigners(string key, string? options = null)
    {
        var path = Path.Combine(_root, "allowed_signers");
        File.WriteAllText(path, $"person@example.com namespaces=\"git\"{(options is null ? "" : "," + options)} " + File.ReadAllText(key + ".pub"));
        return path;
    }

    private static string Gpg(string home, params string[] arguments) => Run("gpg", ["--homedir", home, .. arguments]);

    private static string Run(string program, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} failed: {error}");
    }

    public void Dispose()
    {
        foreach (var home in Directory.GetDirectories(_root, "gpg-*"))
        {
            Run("gpgconf", "--homedir", home, "--kill", "all");
        }

        Directory.Delete(_root, recursive: true);
    }
}
