using System.Security.Cryptography;
using LiquidMetal.Reconciler.Secrets.Age;
using LiquidMetal.Reconciler.Tests.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>age (X25519 recipients) round trips, its refusals, and interop both ways with Debian's age and age-keygen.</summary>
public sealed class AgeFileTests : IDisposable
{
    private readonly TempFolder _dir = new();

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
        Assert.Equal($"no identity opens this file: it is encrypted to 2 X25519 recipient(s), none of them {c.Recipient}", refused.Message);
    }

    [Fact]
    public void Decrypt_EveryByteFlipped_RefusedAndNeverPartial()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt(RandomNumberGenerator.GetBytes(300), [identity.Recipient]);

        for (var i = 0; i < file.Length; i++)
        {
            var damaged = (byte[])file.Clone();
            damaged[i] ^= 0x01;
            Assert.Throws<AgeException>(() => AgeFile.Decrypt(damaged, [identity]));
        }
    }

    [Fact]
    public void Decrypt_CutOrExtended_Refused()
    {
        using var identity = AgeIdentity.Generate();
        var file = AgeFile.Encrypt(RandomNumberGenerator.GetBytes(70_000), [identity.Recipient]);

        Assert.Throws<AgeException>(() => AgeFile.Decrypt(file[..^1], [identity]));
        Assert.Throws<AgeException>(() => AgeFile.Decrypt(file[..^(70_000 - 65_536 + 16)], [identity])); // the whole last chunk gone
        Assert.Throws<AgeException>(() => AgeFile.Decrypt([.. file, 0], [identity]));
        Assert.Contains("not an age file", Assert.Throws<AgeException>(() => AgeFile.Decrypt("hello\n"u8, [identity])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_RoundTripThroughTheirText_AndBadTextSaysWhatIsWrongWithoutTheKey()
    {
        using var identity = AgeIdentity.Generate();
        var secret = identity.SecretText();

        Assert.StartsWith("AGE-SECRET-KEY-1", secret, StringComparison.Ordinal);
        Assert.StartsWith("age1", identity.Recipient.ToString(), StringComparison.Ordinal);
        using var again = AgeIdentity.Parse(secret);
        Assert.Equal(identity.Recipient.ToString(), again.Recipient.ToString());
        Assert.Equal(identity.Recipient.ToString(), AgeRecipient.Parse(identity.Recipient.ToString()).ToString());
        Assert.DoesNotContain(secret, identity.ToString(), StringComparison.Ordinal);

        var mistyped = secret[..^1] + (secret[^1] == 'Q' ? 'P' : 'Q');
        var error = Assert.Throws<AgeException>(() => AgeIdentity.Parse(mistyped));
        Assert.Contains("wrong checksum", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[20..40], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_CommentsAndBlankLinesSkipped_ABadLineNamedByNumberOnly()
    {
        using var identity = AgeIdentity.Generate();
        var good = _dir.Write("good.txt", $"# created: now\n# public key: {identity.Recipient}\n\n{identity.SecretText()}\n");
        var bad = _dir.Write("bad.txt", $"# a comment\n{identity.SecretText()[..^2]}\n");

        Assert.Equal(identity.Recipient.ToString(), Assert.Single(AgeIdentity.ReadFile(good)).Recipient.ToString());
        var error = Assert.Throws<AgeException>(() => AgeIdentity.ReadFile(bad));
        Assert.StartsWith(bad + ":2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds no age identity", Assert.Throws<AgeException>(() => AgeIdentity.ReadFile(_dir.Write("none.txt", "# nothing\n"))).Message, StringComparison.Ordinal);
    }

    [AgeToolTheory]
    [MemberData(nameof(Sizes))]
    public async Task Interop_WhatWeEncrypt_AgeDecrypts(int size)
    {
        using var identity = AgeIdentity.Generate();
        var keyFile = Path.Combine(_dir.Path, "key.txt");
        identity.WriteFile(keyFile, DateTimeOffset.UnixEpoch);
        var plaintext = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "plain"), plaintext);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "ours.age"), AgeFile.Encrypt(plaintext, [identity.Recipient]));

        await Tools.Bash("age -d -i key.txt ours.age > out && cmp out plain", _dir.Path); // -o would make no file for an empty plaintext
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
    }

    [AgeToolTheory]
    [MemberData(nameof(Sizes))]
    public async Task Interop_WhatAgeEncrypts_WeDecrypt(int size)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "plain"), plaintext);

        // age-keygen's key file, and age encrypting both to its recipient (-r) and to the identity file itself (-e -i).
        await Tools.Bash("age-keygen -o key.txt 2>/dev/null && age -r \"$(age-keygen -y key.txt)\" -o theirs.age plain && age -e -i key.txt -o theirs2.age plain", _dir.Path);

        var identities = AgeIdentity.ReadFile(Path.Combine(_dir.Path, "key.txt"));
        Assert.Equal(plaintext, AgeFile.Decrypt(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "theirs.age")), identities));
        Assert.Equal(plaintext, AgeFile.Decrypt(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "theirs2.age")), identities));
    }

    [AgeToolFact]
    public async Task Interop_AgeRefusesOurFileOpenedWithAnotherKey_AndWeRefuseTheirsLikewise()
    {
        using var ours = AgeIdentity.Generate();
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "ours.age"), AgeFile.Encrypt("x"u8, [ours.Recipient]));
        await Tools.Bash("age-keygen -o other.txt 2>/dev/null && echo x > plain && age -r \"$(age-keygen -y other.txt)\" -o theirs.age plain && ! age -d -i other.txt ours.age 2>/dev/null", _dir.Path);

        Assert.Throws<AgeException>(() => AgeFile.Decrypt(File.ReadAllBytes(Path.Combine(_dir.Path, "theirs.age")), [ours]));
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A test that runs Debian's age tool; skipped, saying so, where it is not installed (install-test-deps.sh installs it).</summary>
public sealed class AgeToolFactAttribute : FactAttribute
{
    public AgeToolFactAttribute()
    {
        if (!Tools.OnPath("age") || !Tools.OnPath("age-keygen"))
        {
            Skip = "age is not installed (scripts/install-test-deps.sh installs it)";
        }
    }
}

public sealed class AgeToolTheoryAttribute : TheoryAttribute
{
    public AgeToolTheoryAttribute()
    {
        if (!Tools.OnPath("age") || !Tools.OnPath("age-keygen"))
        {
            Skip = "age is not installed (scripts/install-test-deps.sh installs it)";
        }
    }
}
