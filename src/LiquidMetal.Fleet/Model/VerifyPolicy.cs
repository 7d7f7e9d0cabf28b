using System.Collections.Immutable;

namespace LiquidMetal.Fleet.Model;

/// <summary>Which commit signatures the reconciler requires before it applies a revision.</summary>
public sealed record VerifyPolicy(VerifyMode Mode, string? AllowedSignersFile, ImmutableArray<string> GpgFingerprints)
{
    public static VerifyPolicy None { get; } = new(VerifyMode.None, null, []);
}

/// <summary>The signature scheme a fleet trusts.</summary>
public enum VerifyMode
{
    None,
    Ssh,
    Gpg,
}
