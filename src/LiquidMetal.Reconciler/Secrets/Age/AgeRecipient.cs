namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>An age X25519 recipient, age1...: the public key a file is encrypted to.</summary>
public sealed class AgeRecipient : IEquatable<AgeRecipient>
{
    internal const string Hrp = "age";

    internal AgeRecipient(byte[] publicKey) => PublicKey = publicKey;

    /// <summary>The raw 32-byte X25519 point.</summary>
    internal byte[] PublicKey { get; }

    /// <summary>Parses age1... (lowercase, as age writes and requires); a malformed one throws <see cref="AgeException"/>.</summary>
    public static AgeRecipient Parse(string text)
    {
        if (text.TrimStart().StartsWith(AgeIdentity.Hrp, StringComparison.OrdinalIgnoreCase))
        {
            // Never echoed: it is a secret key given where a public one belongs.
            throw new AgeException(AgeFailure.Key, "an age identity (AGE-SECRET-KEY-1...) was given where a recipient belongs: give its public key, age1... (age-keygen -y prints it)");
        }

        var decoded = Bech32.Decode(text.Trim(), out var problem);
        if (decoded is not { } value)
        {
            throw new AgeException(AgeFailure.Key, $"'{text}' is not an age recipient: it {problem}");
        }

        if (value.Hrp == Hrp.ToUpperInvariant())
        {
            throw new AgeException(AgeFailure.Key, $"'{text}' is an age recipient in upper case: age reads recipients in lower case only");
        }

        if (value.Hrp != Hrp || value.Data.Length != 32)
        {
            throw new AgeException(AgeFailure.Key, $"'{text}' is not an age X25519 recipient (age1 followed by 32 bytes)");
        }

        return new AgeRecipient(value.Data);
    }

    public override string ToString() => Bech32.Encode(Hrp, PublicKey);

    public bool Equals(AgeRecipient? other) => other is not null && PublicKey.AsSpan().SequenceEqual(other.PublicKey);

    public override bool Equals(object? obj) => Equals(obj as AgeRecipient);

    public override int GetHashCode() => BitConverter.ToInt32(PublicKey, 0);
}
