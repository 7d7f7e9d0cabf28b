using System.Buffers.Binary;
using System.Security.Cryptography;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>
/// age files put together by hand under a known file key, for the shapes a correct writer never makes. The chunks are
/// sealed here with .NET's primitives, apart from the code under test.
/// </summary>
internal static class AgeFileBuilder
{
    public const int Chunk = 64 * 1024;

    public static byte[] Header(AgeIdentity identity, byte[] fileKey) =>
        AgeHeader.Encode([X25519Stanza.Wrap(fileKey, identity.Recipient)], fileKey);

    /// <summary>The header, the nonce, then each chunk sealed with its own counter and the final flag as given.</summary>
    public static byte[] File(AgeIdentity identity, byte[] fileKey, params (int Length, bool Final)[] chunks)
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, nonce, "payload"u8.ToArray());
        using var aead = new ChaCha20Poly1305(key);
        var output = new List<byte>(Header(identity, fileKey));
        output.AddRange(nonce);
        for (var i = 0; i < chunks.Length; i++)
        {
            var plaintext = new byte[chunks[i].Length];
            Array.Fill(plaintext, (byte)i);
            var chunkNonce = new byte[12];
            BinaryPrimitives.WriteUInt32BigEndian(chunkNonce.AsSpan(7), (uint)i);
            chunkNonce[11] = chunks[i].Final ? (byte)1 : (byte)0;
            var sealedChunk = new byte[plaintext.Length + 16];
            aead.Encrypt(chunkNonce, plaintext, sealedChunk.AsSpan(0, plaintext.Length), sealedChunk.AsSpan(plaintext.Length));
            output.AddRange(sealedChunk);
        }

        return [.. output];
    }
}
