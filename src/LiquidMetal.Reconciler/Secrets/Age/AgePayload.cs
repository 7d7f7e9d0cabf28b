using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The payload of an age file: a 16-byte nonce, then STREAM: 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
/// HKDF(file key, salt nonce, info "payload") and the nonce "11-byte big-endian chunk counter || final flag".
/// </summary>
internal static class AgePayload
{
    public const int NonceSize = 16;
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    private const int SealedChunkSize = ChunkSize + TagSize;

    /// <summary>The payload's length for a plaintext of <paramref name="length"/> bytes (an empty one is one empty chunk).</summary>
    public static long SealedLength(long length) => NonceSize + length + (Math.Max(1, (length + ChunkSize - 1) / ChunkSize) * TagSize);

    public static void Seal(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        nonce.CopyTo(output);
        using var aead = new ChaCha20Poly1305(PayloadKey(fileKey, nonce));
        var chunks = Math.Max(1, (plaintext.Length + ChunkSize - 1) / ChunkSize);
        var at = NonceSize;
        for (var i = 0; i < chunks; i++)
        {
            var chunk = plaintext.Slice(i * ChunkSize, Math.Min(ChunkSize, plaintext.Length - (i * ChunkSize)));
            aead.Encrypt(ChunkNonce(i, last: i == chunks - 1), chunk, output.Slice(at, chunk.Length), output.Slice(at + chunk.Length, TagSize));
            at += chunk.Length + TagSize;
        }
    }

    /// <summary>
    /// The whole plaintext, or an <see cref="AgeException"/> saying how the payload is damaged: nothing is returned
    /// unless every chunk authenticates and the last one, and only the last one, is marked final.
    /// </summary>
    public static byte[] Open(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < NonceSize)
        {
            throw Damaged("the payload is cut short: its 16-byte nonce is incomplete");
        }

        var sealedChunks = payload[NonceSize..];
        if (sealedChunks.IsEmpty)
        {
            throw Damaged("the payload is cut short: it has a nonce and no chunk");
        }

        var chunks = (sealedChunks.Length + SealedChunkSize - 1) / SealedChunkSize;
        var lastLength = sealedChunks.Length - ((chunks - 1) * SealedChunkSize);
        if (lastLength < TagSize)
        {
            throw Damaged($"the payload is cut short: its last chunk is {lastLength} bytes, less than its 16-byte tag");
        }

        if (lastLength == TagSize && chunks > 1)
        {
            throw Damaged("the payload ends in an empty chunk, which only an empty file may have: the file was changed");
        }

        var plaintext = new byte[sealedChunks.Length - (chunks * TagSize)];
        var key = PayloadKey(fileKey, payload[..NonceSize]);
        using var aead = new ChaCha20Poly1305(key);
        CryptographicOperations.ZeroMemory(key);
        for (var i = 0; i < chunks; i++)
        {
            var last = i == chunks - 1;
            var chunk = sealedChunks.Slice(i * SealedChunkSize, last ? lastLength : SealedChunkSize);
            var body = chunk[..^TagSize];
            var into = plaintext.AsSpan(i * ChunkSize, body.Length);
            if (!TryOpen(aead, ChunkNonce(i, last), chunk, into))
            {
                var reason = !last && TryOpen(aead, ChunkNonce(i, last: true), chunk, into)
                    ? $"chunk {i + 1} is marked final, yet {sealedChunks.Length - ((i + 1) * SealedChunkSize)} bytes follow it: data was added after the end"
                    : last && chunk.Length == SealedChunkSize && TryOpen(aead, ChunkNonce(i, last: false), chunk, into)
                        ? "the payload ends without its final chunk: the file was cut at a chunk boundary"
                        : $"chunk {i + 1} of {chunks} does not authenticate: the file was changed, cut or extended";
                CryptographicOperations.ZeroMemory(plaintext);
                throw Damaged(reason);
            }
        }

        return plaintext;
    }

    private static bool TryOpen(ChaCha20Poly1305 aead, byte[] nonce, ReadOnlySpan<byte> chunk, Span<byte> into)
    {
        try
        {
            aead.Decrypt(nonce, chunk[..^TagSize], chunk[^TagSize..], into);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private static byte[] PayloadKey(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, key, nonce, "payload"u8);
        return key;
    }

    private static byte[] ChunkNonce(int index, bool last)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(3, 8), index); // bytes 0-2 of the 11-byte counter stay zero
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }

    private static AgeException Damaged(string message) => new(AgeFailure.Payload, message);
}
