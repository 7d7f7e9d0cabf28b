using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>The STREAM payload's rules on chunks: only the last is final, it is empty only in an empty file, nothing follows it.</summary>
public sealed class AgePayloadTests : IDisposable
{
    private const int Chunk = AgeFileBuilder.Chunk;
    private readonly AgeIdentity _identity = AgeIdentity.Generate();
    private readonly byte[] _fileKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk)]
    public void Decrypt_OneFinalChunk_Opens(int length)
    {
        Assert.Equal(length, AgeFile.Decrypt(Build((length, true)), [_identity]).Length);
    }

    [Fact]
    public void Decrypt_FullChunksThenAShortFinalOne_Opens()
    {
        var plaintext = AgeFile.Decrypt(Build((Chunk, false), (Chunk, false), (5, true)), [_identity]);

        Assert.Equal((2 * Chunk) + 5, plaintext.Length);
        Assert.Equal([0, 1, 2], new[] { plaintext[0], plaintext[Chunk], plaintext[^1] });
    }

    [Theory]
    [InlineData("the payload ends without its final chunk: the file was cut at a chunk boundary", Chunk, false)]
    [InlineData("chunk 1 of 1 does not authenticate: the file was changed, cut or extended", 10, false)]
    [InlineData("chunk 1 of 1 does not authenticate: the file was changed, cut or extended", 0, false)]
    public void Decrypt_NoFinalChunk_Refused(string message, int length, bool final)
    {
        Assert.Equal(message, Refused(Build((length, final))).Message);
    }

    [Fact]
    public void Decrypt_FullFinalChunkFollowedByAnother_SaysDataFollowsTheEnd()
    {
        Assert.Equal(
            "chunk 1 is marked final, yet 26 bytes follow it: data was added after the end",
            Refused(Build((Chunk, true), (10, true))).Message);
    }

    [Fact]
    public void Decrypt_EmptyFinalChunkAfterAFullOne_Refused()
    {
        Assert.Equal(
            "the payload ends in an empty chunk, which only an empty file may have: the file was changed",
            Refused(Build((Chunk, false), (0, true))).Message);
    }

    [Fact]
    public void Decrypt_ChunksSwapped_Refused()
    {
        var file = Build((Chunk, false), (Chunk, false), (1, true));
        var first = file.Length - 17 - (2 * (Chunk + 16));
        var swapped = (byte[])file.Clone();
        file.AsSpan(first, Chunk + 16).CopyTo(swapped.AsSpan(first + Chunk + 16));
        file.AsSpan(first + Chunk + 16, Chunk + 16).CopyTo(swapped.AsSpan(first));

        Assert.Equal("chunk 1 of 3 does not authenticate: the file was changed, cut or extended", Refused(swapped).Message);
    }

    [Fact]
    public void Decrypt_PayloadCutInsideTheNonceOrAfterIt_Refused()
    {
        var header = AgeFileBuilder.Header(_identity, _fileKey);

        Assert.Equal("the payload is cut short: its 16-byte nonce is incomplete", Refused([.. header, .. new byte[15]]).Message);
        Assert.Equal("the payload is cut short: it has a nonce and no chunk", Refused([.. header, .. new byte[16]]).Message);
        Assert.Equal("the payload is cut short: its last chunk is 15 bytes, less than its 16-byte tag", Refused([.. header, .. new byte[31]]).Message);
    }

    public void Dispose() => _identity.Dispose();

    private byte[] Build(params (int Length, bool Final)[] chunks) => AgeFileBuilder.File(_identity, _fileKey, chunks);

    private AgeException Refused(byte[] file)
    {
        var error = Assert.Throws<AgeException>(() => AgeFile.Decrypt(file, [_identity]));
        Assert.Equal(AgeFailure.Payload, error.Failure);
        return error;
    }
}
