using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Secrets.Age;
using LiquidMetal.Reconciler.Tests.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>Interop both ways with Debian's age and age-keygen: files, armor and key files.</summary>
public sealed class AgeInteropTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public static TheoryData<int> Sizes => AgeFileTests.Sizes;

    [AgeToolTheory]
    [MemberData(nameof(Sizes))]
    public async Task WhatWeEncrypt_AgeDecrypts_WithAKeyFileWeWrote(int size)
    {
        using var identity = AgeIdentity.Generate();
        identity.WriteFile(Path.Combine(_dir.Path, "key.txt"), DateTimeOffset.UtcNow);
        var plaintext = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "plain"), plaintext);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "ours.age"), AgeFile.Encrypt(plaintext, [identity.Recipient]));

        // age -o makes no file for an empty plaintext, hence the redirection.
        await Tools.Bash("age -d -i key.txt ours.age > out && cmp out plain", _dir.Path);
    }

    [AgeToolTheory]
    [MemberData(nameof(Sizes))]
    public async Task WhatAgeEncrypts_WeDecrypt_ToItsRecipientAndToItsKeyFile(int size)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "plain"), plaintext);

        await Tools.Bash("age-keygen -o key.txt 2>/dev/null && age -r \"$(age-keygen -y key.txt)\" -o to-recipient.age plain && age -e -i key.txt -o to-key-file.age plain", _dir.Path);

        var identities = AgeIdentity.ReadFile(Path.Combine(_dir.Path, "key.txt"));
        Assert.Equal(plaintext, AgeFile.Decrypt(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "to-recipient.age")), identities));
        Assert.Equal(plaintext, AgeFile.Decrypt(await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "to-key-file.age")), identities));
    }

    [AgeToolTheory]
    [InlineData(0)]
    [InlineData(70_000)]
    public async Task Armor_BothWays(int size)
    {
        using var identity = AgeIdentity.Generate();
        identity.WriteFile(Path.Combine(_dir.Path, "key.txt"), DateTimeOffset.UtcNow);
        var plaintext = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "plain"), plaintext);
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, "ours.age"), AgeFile.Armor(AgeFile.Encrypt(plaintext, [identity.Recipient])));

        await Tools.Bash($"age -d -i key.txt ours.age > out && cmp out plain && age -a -r {identity.Recipient} -o theirs.age plain", _dir.Path);

        var theirs = await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "theirs.age"));
        Assert.StartsWith("-----BEGIN AGE ENCRYPTED FILE-----\n", Encoding.ASCII.GetString(theirs), StringComparison.Ordinal);
        Assert.Equal(Encoding.ASCII.GetString(theirs), AgeFile.Armor(AgeFile.Dearmor(theirs)));
        Assert.Equal(plaintext, AgeFile.Decrypt(theirs, [identity]));
    }

    [AgeToolFact]
    public async Task KeyFiles_AgeKeygensParseWithItsPublicKey_OursWithTwoIdentitiesOpenInAge()
    {
        using var first = AgeIdentity.Generate();
        using var second = AgeIdentity.Generate();
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, "two.txt"), first.KeyFileText(DateTimeOffset.UtcNow) + "\n" + second.KeyFileText(DateTimeOffset.UtcNow));
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "to-second.age"), AgeFile.Encrypt("second"u8, [second.Recipient]));

        var output = await Tools.Bash("age-keygen -o theirs.txt 2>/dev/null && age-keygen -y theirs.txt && age -d -i two.txt to-second.age", _dir.Path);

        var theirs = Assert.Single(AgeIdentity.ReadFile(Path.Combine(_dir.Path, "theirs.txt")));
        Assert.Equal($"{theirs.Recipient}\nsecond", output);
        Assert.Equal([first.Recipient, second.Recipient], AgeIdentity.ReadFile(Path.Combine(_dir.Path, "two.txt")).Select(i => i.Recipient));
    }

    [AgeToolFact]
    public async Task WrongKey_RefusedBothWays()
    {
        using var ours = AgeIdentity.Generate();
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "ours.age"), AgeFile.Encrypt("x"u8, [ours.Recipient]));

        await Tools.Bash("age-keygen -o other.txt 2>/dev/null && echo x > plain && age -r \"$(age-keygen -y other.txt)\" -o theirs.age plain && ! age -d -i other.txt ours.age 2>/dev/null", _dir.Path);

        var error = Assert.Throws<AgeException>(() => AgeFile.Decrypt(File.ReadAllBytes(Path.Combine(_dir.Path, "theirs.age")), [ours]));
        Assert.Equal(AgeFailure.NoMatch, error.Failure);
    }

    public void Dispose() => _dir.Dispose();
}
