using System.Security.Cryptography;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The X25519 recipient stanza, "-> X25519 share" and the wrapped file key: an ephemeral key agreement with the
/// recipient, HKDF-SHA-256 over the shared secret (salt share || recipient), ChaCha20-Poly1305 with a zero nonce.
/// </summary>
internal static class X25519Stanza
{
    public const string Type = "X25519";
    private const int KeySize = 32;
    private const int TagSize = 16;
    private static readonly byte[] Info = "age-encryption.org/v1/X25519"u8.ToArray();

    public static AgeStanza Wrap(ReadOnlySpan<byte> fileKey, AgeRecipient recipient)
    {
        using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519);
        var share = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var wrapKey = WrapKey(ephemeral, recipient.PublicKey, share, recipient.PublicKey)
            ?? throw new AgeException(AgeFailure.Key, $"recipient {recipient} is a low-order point: no file can be encrypted to it");
        try
        {
            var body = new byte[fileKey.Length + TagSize];
            using var aead = new ChaCha20Poly1305(wrapKey);
            aead.Encrypt(new byte[12], fileKey, body.AsSpan(0, fileKey.Length), body.AsSpan(fileKey.Length));
            return new AgeStanza(Type, [AgeBase64.Encode(share)], body);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
        }
    }

    /// <summary>
    /// The file key when <paramref name="stanza"/> was made for <paramref name="identity"/>, null when it was not. A
    /// malformed X25519 stanza, or a share that gives an all-zero secret, throws: the spec has the file refused.
    /// </summary>
    public static byte[]? Unwrap(AgeStanza stanza, AgeIdentity identity, int fileKeySize)
    {
        var share = stanza.Arguments.Count == 1 ? AgeBase64.Decode(stanza.Arguments[0]) : null;
        if (share is not { Length: KeySize })
        {
            throw new AgeException(AgeFailure.Header, "an X25519 stanza is malformed: it must have exactly one argument, a 32-byte share in canonical base64");
        }

        // Checked before any decryption, so that a wrong length cannot tell identities apart (a partitioning oracle).
        if (stanza.Body.Length != fileKeySize + TagSize)
        {
            throw new AgeException(AgeFailure.Header, $"an X25519 stanza's body is {stanza.Body.Length} bytes, not {fileKeySize + TagSize}");
        }

        var wrapKey = WrapKey(identity.Key, share, share, identity.Recipient.PublicKey)
            ?? throw new AgeException(AgeFailure.Header, "an X25519 stanza's share is a low-order point (the shared secret is all zeros)");
        try
        {
            var fileKey = new byte[fileKeySize];
            using var aead = new ChaCha20Poly1305(wrapKey);
            aead.Decrypt(new byte[12], stanza.Body.AsSpan(0, fileKeySize), stanza.Body.AsSpan(fileKeySize), fileKey);
            return fileKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null; // made for another recipient
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapKey);
        }
    }

    /// <summary>HKDF-SHA-256 over the raw X25519 shared secret; null when that secret is all zeros.</summary>
    private static byte[]? WrapKey(Key secret, byte[] otherPublic, byte[] share, byte[] recipient)
    {
        var other = PublicKey.Import(KeyAgreementAlgorithm.X25519, otherPublic, KeyBlobFormat.RawPublicKey);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(secret, other, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (shared is null)
        {
            return null; // libsodium refuses an all-zero result itself
        }

        var raw = shared.Export(SharedSecretBlobFormat.RawSharedSecret);
        try
        {
            if (!raw.AsSpan().ContainsAnyExcept((byte)0))
            {
                return null;
            }

            return HKDF.DeriveKey(HashAlgorithmName.SHA256, raw, KeySize, [.. share, .. recipient], Info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }
}
