using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The age file format, age-encryption.org/v1, with X25519 recipients: a text header of recipient stanzas that each
/// wrap one random file key, a MAC over the header, then the payload in 64 KiB ChaCha20-Poly1305 chunks (STREAM).
/// Interoperable with the age tool both ways. Decryption is strict and all-or-nothing: no partial plaintext is ever
/// returned, and every failure is an <see cref="AgeException"/> that says what is wrong.
/// </summary>
public static class AgeFile
{
    private const string Intro = "age-encryption.org/v1";
    private const string StanzaInfo = "age-encryption.org/v1/X25519";
    private const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;
    private const int FileKeySize = 16;

    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, IReadOnlyList<AgeRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("encrypt to at least one recipient", nameof(recipients));
        }

        var fileKey = RandomNumberGenerator.GetBytes(FileKeySize);
        try
        {
            var header = new StringBuilder(Intro).Append('\n');
            foreach (var recipient in recipients)
            {
                using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519);
                var share = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
                var wrapKey = WrapKey(ephemeral, recipient.PublicKey, share, recipient.PublicKey)
                    ?? throw new AgeException($"recipient {recipient} is a low-order point: no file can be encrypted to it");
                var body = Seal(wrapKey, new byte[12], fileKey);
                header.Append("-> X25519 ").Append(Base64(share)).Append('\n');
                AppendBody(header, body);
            }

            header.Append("---");
            var mac = HeaderMac(fileKey, header.ToString());
            header.Append(' ').Append(Base64(mac)).Append('\n');
            var headerBytes = Encoding.ASCII.GetBytes(header.ToString());

            var nonce = RandomNumberGenerator.GetBytes(16);
            var payloadKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, nonce, "payload"u8.ToArray());
            var chunks = Math.Max(1, (plaintext.Length + ChunkSize - 1) / ChunkSize);
            var output = new byte[headerBytes.Length + nonce.Length + plaintext.Length + (chunks * TagSize)];
            headerBytes.CopyTo(output, 0);
            nonce.CopyTo(output, headerBytes.Length);
            using var aead = new ChaCha20Poly1305(payloadKey);
            var at = headerBytes.Length + nonce.Length;
            for (var i = 0; i < chunks; i++)
            {
                var chunk = plaintext.Slice(i * ChunkSize, Math.Min(ChunkSize, plaintext.Length - (i * ChunkSize)));
                aead.Encrypt(ChunkNonce(i, last: i == chunks - 1), chunk, output.AsSpan(at, chunk.Length), output.AsSpan(at + chunk.Length, TagSize));
                at += chunk.Length + TagSize;
            }

            Array.Clear(payloadKey);
            return output;
        }
        finally
        {
            Array.Clear(fileKey);
        }
    }

    public static byte[] Decrypt(ReadOnlySpan<byte> file, IReadOnlyList<AgeIdentity> identities)
    {
        var (stanzas, headerForMac, mac, payloadStart) = ParseHeader(file);
        var fileKey = Unwrap(stanzas, identities);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(HeaderMac(fileKey, headerForMac), mac))
            {
                throw new AgeException("the header's MAC does not match: the file was changed after it was encrypted");
            }

            var payload = file[payloadStart..];
            if (payload.Length < 16)
            {
                throw new AgeException("the payload is cut short: no nonce");
            }

            var payloadKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, payload[..16].ToArray(), "payload"u8.ToArray());
            using var aead = new ChaCha20Poly1305(payloadKey);
            Array.Clear(payloadKey);
            var sealedChunks = payload[16..];
            if (sealedChunks.Length < TagSize)
            {
                throw new AgeException("the payload is cut short: no chunk");
            }

            var chunks = (sealedChunks.Length + ChunkSize + TagSize - 1) / (ChunkSize + TagSize);
            var plaintext = new byte[sealedChunks.Length - (chunks * TagSize)];
            var from = 0;
            for (var i = 0; i < chunks; i++)
            {
                var length = Math.Min(ChunkSize + TagSize, sealedChunks.Length - from);
                if (length < TagSize || (length == TagSize && (i > 0 || chunks > 1)))
                {
                    Array.Clear(plaintext);
                    throw new AgeException("the payload ends in an empty or cut chunk: the file was cut or extended");
                }

                var body = sealedChunks.Slice(from, length - TagSize);
                try
                {
                    aead.Decrypt(ChunkNonce(i, last: i == chunks - 1), body, sealedChunks.Slice(from + body.Length, TagSize), plaintext.AsSpan(i * ChunkSize, body.Length));
                }
                catch (AuthenticationTagMismatchException)
                {
                    Array.Clear(plaintext);
                    throw new AgeException($"payload chunk {i + 1} of {chunks} does not authenticate: the file was changed, cut or extended");
                }

                from += length;
            }

            return plaintext;
        }
        finally
        {
            Array.Clear(fileKey);
        }
    }

    private sealed record Stanza(string Type, string[] Arguments, byte[] Body);

    private static (List<Stanza> Stanzas, string HeaderForMac, byte[] Mac, int PayloadStart) ParseHeader(ReadOnlySpan<byte> file)
    {
        var at = 0;
        string NextLine(ReadOnlySpan<byte> data)
        {
            var end = data[at..].IndexOf((byte)'\n');
            if (end < 0)
            {
                throw new AgeException("the header is cut short (a line without its newline)");
            }

            var line = data.Slice(at, end);
            foreach (var b in line)
            {
                if (b < 32 || b > 126)
                {
                    throw new AgeException("the header has a byte that is not printable ASCII");
                }
            }

            at += end + 1;
            return Encoding.ASCII.GetString(line);
        }

        if (file.Length < Intro.Length + 1 || NextLine(file) != Intro)
        {
            throw new AgeException(file.StartsWith("-----BEGIN AGE ENCRYPTED FILE-----"u8)
                ? "the file is ASCII-armored: only the binary age format is read here"
                : "not an age file: it does not start with the line age-encryption.org/v1");
        }

        var stanzas = new List<Stanza>();
        while (true)
        {
            var lineStart = at;
            var line = NextLine(file);
            if (line.StartsWith("--- ", StringComparison.Ordinal) || line == "---")
            {
                var mac = DecodeBase64(line.Length > 4 ? line[4..] : string.Empty, "the header MAC");
                if (mac.Length != 32)
                {
                    throw new AgeException("the header MAC is not 32 bytes");
                }

                var headerForMac = Encoding.ASCII.GetString(file[..(lineStart + 3)]);
                return (stanzas, headerForMac, mac, at);
            }

            if (!line.StartsWith("-> ", StringComparison.Ordinal))
            {
                throw new AgeException("the header has a line that is neither a stanza (-> ...) nor its end (--- ...)");
            }

            var words = line[3..].Split(' ');
            if (words.Any(w => w.Length == 0))
            {
                throw new AgeException("a stanza line has an empty argument");
            }

            var body = new List<byte>();
            while (true)
            {
                var part = NextLine(file);
                if (part.Length > 64)
                {
                    throw new AgeException("a stanza body line is longer than 64 columns");
                }

                body.AddRange(DecodeBase64(part, "a stanza body"));
                if (part.Length < 64)
                {
                    break;
                }
            }

            stanzas.Add(new Stanza(words[0], words[1..], [.. body]));
        }
    }

    private static byte[] Unwrap(List<Stanza> stanzas, IReadOnlyList<AgeIdentity> identities)
    {
        var x25519 = stanzas.Where(s => s.Type == "X25519").ToList();
        foreach (var stanza in x25519)
        {
            if (stanza.Arguments.Length != 1 || stanza.Body.Length != FileKeySize + TagSize)
            {
                throw new AgeException("an X25519 stanza is malformed (one argument, a 32-byte body)");
            }

            var share = DecodeBase64(stanza.Arguments[0], "an X25519 share");
            if (share.Length != 32)
            {
                throw new AgeException("an X25519 stanza's share is not 32 bytes");
            }

            foreach (var identity in identities)
            {
                var ours = identity.Recipient.PublicKey;
                if (WrapKey(identity.Key, share, share, ours) is not { } wrapKey)
                {
                    throw new AgeException("an X25519 stanza's share is a low-order point");
                }

                var fileKey = new byte[FileKeySize];
                try
                {
                    using var aead = new ChaCha20Poly1305(wrapKey);
                    aead.Decrypt(new byte[12], stanza.Body.AsSpan(0, FileKeySize), stanza.Body.AsSpan(FileKeySize), fileKey);
                    return fileKey;
                }
                catch (AuthenticationTagMismatchException)
                {
                    // Another recipient's stanza: try the next identity.
                }
                finally
                {
                    Array.Clear(wrapKey);
                }
            }
        }

        var kinds = string.Join(", ", stanzas.GroupBy(s => s.Type).Select(g => $"{g.Count()} {g.Key}"));
        throw new AgeException($"no identity opens this file: it is encrypted to {(kinds.Length == 0 ? "no one" : kinds)} recipient(s), none of them {string.Join(" or ", identities.Select(i => i.Recipient.ToString()))}");
    }

    /// <summary>HKDF-SHA-256 over the X25519 shared secret, salted with the ephemeral share and the recipient; null for an all-zero secret.</summary>
    private static byte[]? WrapKey(Key secret, byte[] otherPublic, byte[] share, byte[] recipient)
    {
        var other = PublicKey.Import(KeyAgreementAlgorithm.X25519, otherPublic, KeyBlobFormat.RawPublicKey);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(secret, other);
        if (shared is null)
        {
            return null; // libsodium refuses a result of all zeros (a low-order point), as age requires
        }

        return KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, [.. share, .. recipient], Encoding.ASCII.GetBytes(StanzaInfo), 32);
    }

    private static byte[] HeaderMac(byte[] fileKey, string header)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, [], "header"u8.ToArray());
        return HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header));
    }

    private static byte[] Seal(byte[] key, byte[] nonce, byte[] plaintext)
    {
        using var aead = new ChaCha20Poly1305(key);
        var output = new byte[plaintext.Length + TagSize];
        aead.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        Array.Clear(key);
        return output;
    }

    private static byte[] ChunkNonce(int index, bool last)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(3, 8), index);
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }

    private static void AppendBody(StringBuilder header, byte[] body)
    {
        var text = Base64(body);
        for (var i = 0; ; i += 64)
        {
            var line = text[i..Math.Min(i + 64, text.Length)];
            header.Append(line).Append('\n');
            if (line.Length < 64)
            {
                break; // a body always ends in a line shorter than 64 columns, an empty one if need be
            }
        }
    }

    /// <summary>Standard base64 without padding, as age writes it.</summary>
    private static string Base64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>Strict: no padding, and the canonical encoding only (no stray bits), as age requires.</summary>
    private static byte[] DecodeBase64(string text, string what)
    {
        if (text.Contains('=') || text.Length % 4 == 1)
        {
            throw new AgeException($"{what} is not unpadded base64");
        }

        try
        {
            var data = Convert.FromBase64String(text + new string('=', (4 - (text.Length % 4)) % 4));
            return Base64(data) == text ? data : throw new AgeException($"{what} is not canonical base64");
        }
        catch (FormatException)
        {
            throw new AgeException($"{what} is not base64");
        }
    }
}
