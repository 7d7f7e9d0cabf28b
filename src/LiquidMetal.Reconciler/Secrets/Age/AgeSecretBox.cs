using LiquidMetal.Reconciler.Bootstrap;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// Cluster secrets sealed with age to the reconciler's own recipient (and any others given, such as an operator's
/// recovery key), opened with its identities: any reconciler holding the key continues where another stopped.
/// </summary>
public sealed class AgeSecretBox(IReadOnlyList<AgeIdentity> identities, IReadOnlyList<AgeRecipient>? extraRecipients = null) : ISecretBox
{
    private readonly IReadOnlyList<AgeRecipient> _recipients = [identities[0].Recipient, .. extraRecipients ?? []];

    /// <summary>The box of an age key file (--age-key-file): sealed to its first identity, opened with any of them.</summary>
    public static AgeSecretBox FromKeyFile(string path, IReadOnlyList<AgeRecipient>? extraRecipients = null) => new(AgeIdentity.ReadFile(path), extraRecipients);

    public byte[] Seal(ReadOnlySpan<byte> plaintext) => AgeFile.Encrypt(plaintext, _recipients);

    public byte[] Open(ReadOnlySpan<byte> sealedBytes)
    {
        try
        {
            return AgeFile.Decrypt(sealedBytes, identities);
        }
        catch (AgeException e)
        {
            throw new SecretBoxException(e.Message);
        }
    }
}
