using System.Text.RegularExpressions;
using LiquidMetal.Git.Internal;

namespace LiquidMetal.Git;

/// <summary>Checks commit signatures with <c>git verify-commit</c> against a <see cref="SignatureTrust"/>; libgit2 tells whether there is one.</summary>
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
        var (signature, _, _) = await _mirror.ReadSignatureAsync(commit, cancellationToken);
        if (signature is null)
        {
            return new SignatureCheck(SignatureVerdict.Unsigned, $"commit {Short(commit)} is not signed");
        }

        var isSsh = signature.Contains("BEGIN SSH SIGNATURE", StringComparison.Ordinal);
        return isSsh ? await VerifySshAsync(commit, cancellationToken) : await VerifyGpgAsync(commit, cancellationToken);
    }

    private async Task<SignatureCheck> VerifySshAsync(string commit, CancellationToken cancellationToken)
    {
        if (_trust.SshAllowedSignersFile is not { } allowed)
        {
            return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)} has an SSH signature but no SSH allowed-signers file is configured");
        }

        var result = await _mirror.Cli.RunAsync(["-c", "gpg.ssh.allowedSignersFile=" + allowed, "verify-commit", "--raw", commit], cancellationToken);
        var output = result.Stderr.Trim();
        if (result.ExitCode == 0 && GoodSshSignature().Match(output) is { Success: true } good)
        {
            return new SignatureCheck(SignatureVerdict.Trusted, $"commit {Short(commit)} signed by {good.Groups["who"].Value} (SSH {good.Groups["key"].Value})");
        }

        return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)}: SSH signature not trusted: {FirstLine(output)}");
    }

    private async Task<SignatureCheck> VerifyGpgAsync(string commit, CancellationToken cancellationToken)
    {
        if (_trust.GpgHome is not { } home)
        {
            return new SignatureCheck(SignatureVerdict.Untrusted, $"commit {Short(commit)} has a GPG signature but no GPG keyring is configured");
        }

        var result = await _mirror.Cli.RunAsync(["verify-commit", "--raw", commit], cancellationToken, new Dictionary<string, string> { ["GNUPGHOME"] = home });

        // --raw prints gpg's status lines; VALIDSIG carries the signing key's and the primary key's fingerprints.
        var valid = ValidSignature().Match(result.Stderr);
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

    private static string FirstLine(string text) => GitCli.Redact(text.Split('\n')[0]);

    [GeneratedRegex("Good \"git\" signature for (?<who>\\S+) with \\S+ key (?<key>SHA256:\\S+)")]
    private static partial Regex GoodSshSignature();

    [GeneratedRegex(@"\[GNUPG:\] VALIDSIG (?<key>[0-9A-F]{40}) .* (?<primary>[0-9A-F]{40})\s*$", RegexOptions.Multiline)]
    private static partial Regex ValidSignature();
}
