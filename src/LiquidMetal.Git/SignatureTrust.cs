using System.Collections.Immutable;

namespace LiquidMetal.Git;

/// <summary>
/// Whose commit signatures the reconciler trusts. It comes from the reconciler's own configuration,
/// never from the fleet repo: a key list inside the repo could be edited by the very push it should judge.
/// </summary>
public sealed record SignatureTrust
{
    /// <summary>An OpenSSH allowed-signers file (as in <c>ssh-keygen -Y verify</c>) for SSH-signed commits.</summary>
    public string? SshAllowedSignersFile { get; init; }

    /// <summary>A GnuPG home holding the trusted public keys, for GPG-signed commits.</summary>
    public string? GpgHome { get; init; }

    /// <summary>Primary-key or subkey fingerprints accepted for GPG (a key merely present in the keyring is not enough).</summary>
    public ImmutableArray<string> GpgFingerprints { get; init; } = [];
}
