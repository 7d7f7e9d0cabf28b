using System.Security.Cryptography;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The age file format, age-encryption.org/v1, with X25519 recipients: a text header of recipient stanzas that each
/// wrap one random file key, a MAC over the header, then the payload in 64 KiB ChaCha20-Poly1305 chunks (STREAM).
/// Interoperable with the age tool both ways. Decryption is strict and all-or-nothing: no partial plaintext is ever
/// returned, and every failure is an <see cref="AgeException"/> that says what is wrong.
/// </summary>
public static class AgeFile
{
    private const int FileKeySize = 16;

    /// <summary>The binary age file of <paramref name="plaintext"/>, which any one of <paramref name="recipients"/> can open.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, IReadOnlyList<AgeRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("encrypt to at least one recipient", nameof(recipients));
        }

        var fileKey = RandomNumberGenerator.GetBytes(FileKeySize);
        try
        {
            var header = AgeHeader.Encode([.. recipients.Select(r => X25519Stanza.Wrap(fileKey, r))], fileKey);
            var length = header.Length + AgePayload.SealedLength(plaintext.Length);
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"{plaintext.Length} bytes are too many for one age file in memory", nameof(plaintext));
            }

            var file = new byte[length];
            header.CopyTo(file, 0);
            AgePayload.Seal(fileKey, RandomNumberGenerator.GetBytes(AgePayload.NonceSize), plaintext, file.AsSpan(header.Length));
            return file;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    /// <summary>
    /// The plaintext of an age file, binary or armored, opened with whichever of <paramref name="identities"/> it was
    /// encrypted to. Throws <see cref="AgeException"/>, naming the step that failed, for anything else.
    /// </summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> file, IReadOnlyList<AgeIdentity> identities)
    {
        if (identities.Count == 0)
        {
            throw new ArgumentException("decrypt with at least one identity", nameof(identities));
        }

        return AgeArmor.IsArmored(file) ? DecryptBinary(AgeArmor.Decode(file), identities) : DecryptBinary(file, identities);
    }

    /// <summary>The ASCII-armored form of an age file (-----BEGIN AGE ENCRYPTED FILE-----), as age -a writes it.</summary>
    public static string Armor(ReadOnlySpan<byte> file) => AgeArmor.Encode(file);

    /// <summary>The binary age file inside ASCII armor; armor that is not canonical throws <see cref="AgeException"/>.</summary>
    public static byte[] Dearmor(ReadOnlySpan<byte> armored) => AgeArmor.Decode(armored);

    /// <summary>Whether <paramref name="data"/> starts, after any whitespace, with age's armor line.</summary>
    public static bool IsArmored(ReadOnlySpan<byte> data) => AgeArmor.IsArmored(data);

    private static byte[] DecryptBinary(ReadOnlySpan<byte> file, IReadOnlyList<AgeIdentity> identities)
    {
        var header = AgeHeader.Parse(file);
        var fileKey = FileKey(header.Stanzas, identities);
        try
        {
            if (!header.MacMatches(fileKey))
            {
                throw new AgeException(AgeFailure.HeaderMac, "the header's MAC does not match: the header was changed after it was written");
            }

            return AgePayload.Open(fileKey, file[header.PayloadOffset..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    private static byte[] FileKey(IReadOnlyList<AgeStanza> stanzas, IReadOnlyList<AgeIdentity> identities)
    {
        if (stanzas.Any(s => s.Type == "scrypt"))
        {
            throw stanzas.Count == 1
                ? new AgeException(AgeFailure.NoMatch, "the file is encrypted with a passphrase (scrypt), which is not read here: only X25519 identities are")
                : new AgeException(AgeFailure.Header, "the header has an scrypt stanza beside others, which age-encryption.org/v1 forbids");
        }

        foreach (var stanza in stanzas.Where(s => s.Type == X25519Stanza.Type))
        {
            foreach (var identity in identities)
            {
                if (X25519Stanza.Unwrap(stanza, identity, FileKeySize) is { } fileKey)
                {
                    return fileKey;
                }
            }
        }

        var kinds = string.Join(", ", stanzas.GroupBy(s => s.Type).Select(g => $"{g.Count()} {g.Key}"));
        throw new AgeException(
            AgeFailure.NoMatch,
            $"no identity opens this file: it is encrypted to {kinds} recipient stanza(s), none of them for {string.Join(" or ", identities.Select(i => i.Recipient.ToString()))}");
    }
}
