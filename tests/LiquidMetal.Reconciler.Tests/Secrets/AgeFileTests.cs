using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>age files (X25519 recipients): round trips, and the refusals of anything changed, cut, extended or not for us.</summary>
public sealed class AgeFileTests
{
    // Empty, one byte, a chunk exactly, a chunk and a byte, and several chunks with a short last one.
    public static TheoryData<int> Sizes => [0, 1, 64 * 1024, (64 * 1024) + 1, 200_000];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Encrypt_ThenDecrypt_GivesTheSameBytes(int size)
    {
        using var identity = AgeIdentity.Generate();
        var plaintext = RandomNumberGenerator.GetBytes(size);

        var file = AgeFile.Encrypt(plaintext, [identity.Recipient]);

        Assert.Equal(plaintext, AgeFile.Decrypt(file, [identity]));
        Assert.Equal(plaintext, AgeFile.Decrypt(Encoding.ASCII.GetBytes(AgeFile.Armor(file)), [identity]));
    }

    [Fact]
    public void Encrypt_WritesTheV1HeaderWithOneX25519StanzaPerRecipient()
    {
        using var a = AgeIdentity.Generate();
        using var b = AgeIdentity.Generate();

        var file = AgeFile.Encrypt("x"u8, [a.Recipient, b.Recipient]);

        var header = AgeHeader.Parse(file);
        Assert.StartsWith("age-encryption.org/v1\n-> X25519 ", Encoding.ASCII.GetString(file), StringComparison.Ordinal);
        Assert.Equal(["X25519", "X25519"], header.Stanzas.Select(s => s.Type));
        Assert.All(header.Stanzas, s => Assert.Equal(32, s.Body.Length));
        Assert.Equal(16 + 1 + 16, file.Length - header.PayloadOffset); // nonce, one byte, one tag
    }

    [Fact]
    public void Encrypt_TwoRecipients_EitherOpensIt_AThirdIsRefusedNamingWhatItIsEncryptedTo()
    {
        using var a = AgeIdentity.Generate();
        using var b = AgeIdentity.Generate();
        using var c = AgeIdentity.Generate();
        var file = AgeFile.Encrypt("cluster secrets"u8, [a.Recipient, b.Recipient]);

        Assert.Equal("cluster secrets"u8.ToArray(), AgeFile.Decrypt(file, [a]));
        Assert.Equal("cluster secrets"u8.ToArray(), AgeFile.Decrypt(file, [c, b]));
        var refused = Assert.Throws<AgeException>(() => AgeFile.Decrypt(file, [c]));
        Assert.Equal(AgeFailure.NoMatch, refused.Failure);
        Assert.Equal($"no identity opens this file: it is encrypted to 2 X25519 recipient stanza(s), none of them for {c.Recipient}", refused.Message);
    }

    [Fact]
    public void Encrypt_NoRecipient_Throws()
    {
        Assert.Throws<ArgumentException>(() => AgeFile.Encrypt("x"u8, []));
    }

    [Fact]
    public void Decrypt_EveryByteFlipped_RefusedAtTheStepThatOwnsTheByte()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt(RandomNumberGenerator.GetBytes(300), [identity.Recipient]);
        var payloadStart = file.AsSpan().IndexOf("\n--- "u8) + 1 + 48;

        for (var i = 0; i < file.Length; i++)
        {
            var damaged = (byte[])file.Clone();
            damaged[i] ^= 0x01;
            var error = Assert.Throws<AgeException>(() => AgeFile.Decrypt(damaged, [identity]));
            if (i >= payloadStart)
            {
                Assert.Equal(AgeFailure.Payload, error.Failure);
            }
            else
            {
                Assert.Contains(error.Failure, new[] { AgeFailure.Header, AgeFailure.NoMatch, AgeFailure.HeaderMac });
            }
        }
    }

    [Fact]
    public void Decrypt_EveryCut_Refused()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt(RandomNumberGenerator.GetBytes(100), [identity.Recipient]);

        for (var length = 0; length < file.Length; length++)
        {
            Assert.Throws<AgeException>(() => AgeFile.Decrypt(file.AsSpan(0, length), [identity]));
        }
    }

    [Fact]
    public void Decrypt_BytesAfterTheEnd_Refused()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt(RandomNumberGenerator.GetBytes(70_000), [identity.Recipient]);

        var error = Assert.Throws<AgeException>(() => AgeFile.Decrypt([.. file, 0], [identity]));

        Assert.Equal(AgeFailure.Payload, error.Failure);
    }

    [Theory]
    [InlineData("", "not an age file: it is empty")]
    [InlineData("hello\n", "not an age file: it does not start with the line age-encryption.org/v1")]
    [InlineData("age-encryption.org/v2\n-> X25519 a\n\n--- a\n", "unsupported age version 'v2': only age-encryption.org/v1 is read here")]
    [InlineData("age-encryption.org/v1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "the header has no recipient stanza")]
    [InlineData("age-encryption.org/v1\n-> X25519 AAAA\n", "the header is cut short at line 3 (no MAC line '--- ...' ends it)")]
    [InlineData("age-encryption.org/v1\r\n", "header line 1, column 22: a byte that is not printable ASCII (0x0d)")]
    public void Decrypt_NotAV1Header_SaysWhatIsWrong(string text, string message)
    {
        using var identity = AgeIdentity.Generate();

        var error = Assert.Throws<AgeException>(() => AgeFile.Decrypt(Encoding.ASCII.GetBytes(text), [identity]));

        Assert.Equal(AgeFailure.Header, error.Failure);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Decrypt_MacLineChanged_HeaderMacOrHeaderFailure()
    {
        using var identity = AgeIdentity.Generate();
        var file = Encoding.Latin1.GetString(AgeFile.Encrypt("x"u8, [identity.Recipient]));
        var mac = file[(file.IndexOf("\n--- ", StringComparison.Ordinal) + 5)..][..43];

        Assert.Equal(AgeFailure.HeaderMac, Refused(file.Replace(mac, (mac[0] == 'A' ? "B" : "A") + mac[1..])).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace("--- " + mac, "---" + mac)).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace("--- " + mac, "---  " + mac)).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace(mac, mac + " ")).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace(mac, mac[..8])).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace(mac, mac + "AAA")).Failure);
        Assert.Equal(AgeFailure.Header, Refused(file.Replace("--- " + mac, "---")).Failure);

        AgeException Refused(string changed) => Assert.Throws<AgeException>(() => AgeFile.Decrypt(Encoding.Latin1.GetBytes(changed), [identity]));
    }

    [Fact]
    public void Decrypt_PassphraseFile_SaysScryptIsNotRead_AndScryptBesideOthersIsAHeaderFailure()
    {
        using var identity = AgeIdentity.Generate();
        var fileKey = RandomNumberGenerator.GetBytes(16);
        var scrypt = new AgeStanza("scrypt", ["AAAAAAAAAAAAAAAAAAAAAA", "10"], new byte[32]);
        byte[] Encrypted(params AgeStanza[] stanzas) => [.. AgeHeader.Encode(stanzas, fileKey), .. new byte[32]];

        var alone = Assert.Throws<AgeException>(() => AgeFile.Decrypt(Encrypted(scrypt), [identity]));
        var mixed = Assert.Throws<AgeException>(() => AgeFile.Decrypt(Encrypted(X25519Stanza.Wrap(fileKey, identity.Recipient), scrypt), [identity]));

        Assert.Equal(AgeFailure.NoMatch, alone.Failure);
        Assert.Contains("passphrase (scrypt)", alone.Message, StringComparison.Ordinal);
        Assert.Equal(AgeFailure.Header, mixed.Failure);
    }

    [Fact]
    public void Decrypt_NoIdentity_Throws()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt("x"u8, [identity.Recipient]);

        Assert.Throws<ArgumentException>(() => AgeFile.Decrypt(file, []));
    }
}
