using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>
/// Checks commit signatures against a <see cref="SignatureTrust"/>: libgit2 separates the signature from the bytes it
/// signs, and <c>ssh-keygen -Y</c> or <c>gpg --verify</c> judges them, as <c>git verify-commit</c> would, but with no
/// git configuration of the machine's or the user's (gpg.program, gpg.ssh.*) able to change the verdict.
/// </summary>
public sealed partial class SignatureVerifier
{
    private readonly GitMirror _mirror;
    private readonly SignatureTrust _trust;

    public SignatureVerifier(GitMirror mirror, SignatureTrust trust)
    {
        _mirror = mirror;
        _trust = trust;
    }

    public async Task<SignatureCheck> VerifyAsync(string commit, CancellationToken cancellationToken = default)
    {
        var (signature, signedData, committed) = await _mirror.ReadSignatureAsync(commit, cancellationToken);
        if (signature is null)
        {
            return new SignatureCheck(SignatureVerdict.Unsigned, $"commit {Short(commit)} is not signed");
        }

        var folder = Directory.CreateTempSubdirectory("lm-verify-"); // only this user can read it
        try
        {
            var signatureFile = Path.Combine(folder.FullName, "signature");
            await File.WriteAllTextAsync(signatureFile, signature, cancellationToken);
            var payload = Encoding.UTF8.GetBytes(signedData);
            return signature.Contains("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal)
                ? await VerifySshAsync(commit, signatureFile, payload, committed, cancellationToken)
                : await VerifyGpgAsync(commit, signatureFile, payload, cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// As git does it: the principals the allowed-signers file gives the signing key, then a verification as each of
    /// them in the "git" namespace, at the time the commit says it was made (so a key's valid-after and valid-before
    /// apply to when it signed, not to now).
    /// </summary>
    private async Task<SignatureCheck> VerifySshAsync(string commit, string signatureFile, byte[] payload, DateTimeOffset committed, CancellationToken cancellationToken)
    {
        if (_trust.SshAllowedSignersFile is not { } allowed)
        {
            return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)} has an SSH signature but no SSH allowed-signers file is configured");
        }

        var at = "-Overify-time=" + committed.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
        var find = await ProcessRunner.RunAsync("ssh-keygen", ["-Y", "find-principals", "-f", allowed, "-s", signatureFile, at], cancellationToken: cancellationToken);
        var principals = find.ExitCode == 0 ? find.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        var why = principals.Length == 0 ? FirstLine(find.Stderr) is { Length: > 0 } reason ? reason : "the signing key is not in the allowed-signers file" : null;
        foreach (var principal in principals)
        {
            var verify = await ProcessRunner.RunAsync(
                "ssh-keygen", ["-Y", "verify", "-f", allowed, "-I", principal, "-n", "git", "-s", signatureFile, at], payload, cancellationToken: cancellationToken);
            var said = verify.Text + verify.Stderr;
            if (verify.ExitCode == 0 && GoodSshSignature().Match(said) is { Success: true } good)
            {
                return new SignatureCheck(SignatureVerdict.Trusted, $"commit {Short(commit)} signed by {good.Groups["who"].Value} (SSH {good.Groups["key"].Value})");
            }

            why = FirstLine(said);
        }

        return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)}: SSH signature not trusted: {why}");
    }

    private async Task<SignatureCheck> VerifyGpgAsync(string commit, string signatureFile, byte[] payload, CancellationToken cancellationToken)
    {
        if (_trust.GpgHome is not { } home)
        {
            return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)} has a GPG signature but no GPG keyring is configured");
        }

        // gpg's status lines (on stdout here): VALIDSIG carries the signing key's and the primary key's fingerprints.
        var result = await ProcessRunner.RunAsync(
            "gpg", ["--batch", "--no-tty", "--status-fd", "1", "--verify", signatureFile, "-"], payload, [new("GNUPGHOME", home)], cancellationToken);
        var valid = ValidSignature().Match(result.Text);
        if (result.ExitCode != 0 || !valid.Success)
        {
            return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)}: GPG signature not valid for the configured keyring");
        }

        var fingerprints = new[] { valid.Groups["key"].Value, valid.Groups["primary"].Value };
        var trusted = _trust.GpgFingerprints.Any(f => fingerprints.Contains(Normalize(f), StringComparer.OrdinalIgnoreCase));
        return trusted
            ? new SignatureCheck(SignatureVerdict.Trusted, $"commit {Short(commit)} signed by GPG key {valid.Groups["key"].Value}")
            : new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)} signed by GPG key {valid.Groups["key"].Value}, which is not among the trusted fingerprints");
    }

    private static string Normalize(string fingerprint) => fingerprint.Replace(" ", string.Empty, StringComparison.Ordinal);

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    private static string FirstLine(string text) => GitCli.Redact(text.Trim().Split('\n')[0].Trim());

    [GeneratedRegex("Good \"git\" signature for (?<who>\\S+) with \\S+ key (?<key>SHA256:\\S+)")]
    private static partial Regex GoodSshSignature();

    [GeneratedRegex(@"\[GNUPG:\] VALIDSIG (?<key>[0-9A-F]{40}) .* (?<primary>[0-9A-F]{40})\s*$", RegexOptions.Multiline)]
    private static partial Regex ValidSignature();
}
