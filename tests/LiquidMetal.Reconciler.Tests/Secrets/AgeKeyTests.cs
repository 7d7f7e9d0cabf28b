using LiquidMetal.Reconciler.Secrets.Age;
using LiquidMetal.Reconciler.Tests.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>age identities and recipients: their Bech32 text, key files, and errors that never repeat a secret key.</summary>
public sealed class AgeKeyTests : IDisposable
{
    // The X25519 example pair of the age-encryption.org/v1 spec.
    private const string SpecIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
    private const string SpecRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

    private readonly TempFolder _dir = new();

    [Fact]
    public void Parse_SpecExampleIdentity_GivesTheSpecsRecipientAndTheSameText()
    {
        using var identity = AgeIdentity.Parse(SpecIdentity);

        Assert.Equal(SpecRecipient, identity.Recipient.ToString());
        Assert.Equal(SpecIdentity, identity.SecretText());
        Assert.Equal(identity.Recipient, AgeRecipient.Parse(SpecRecipient));
        Assert.Equal($"age identity for {SpecRecipient}", identity.ToString());
    }

    [Fact]
    public void Generate_RoundTripsThroughItsText()
    {
        using var identity = AgeIdentity.Generate();
        var secret = identity.SecretText();

        using var again = AgeIdentity.Parse(secret);

        Assert.Matches("^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$", secret);
        Assert.Matches("^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$", identity.Recipient.ToString());
        Assert.Equal(identity.Recipient, again.Recipient);
        Assert.DoesNotContain(secret, identity.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MalformedIdentities => new()
    {
        { SpecIdentity + "Q", "has a wrong checksum" },
        { SpecIdentity[..^1] + "x", "mixes upper and lower case" },
        { SpecIdentity[..^1] + "B", "has a character that Bech32 does not use (column 74)" },
        { SpecIdentity.ToLowerInvariant(), "in lower case" },
        { SpecRecipient, "this is an age recipient" },
        { "AGE-PLUGIN-YUBIKEY-1QQQQQQ", "plugin identities" },
    };

    [Theory]
    [MemberData(nameof(MalformedIdentities))]
    public void ParseIdentity_Malformed_SaysWhatIsWrongWithoutTheKey(string text, string expected)
    {
        var error = Assert.Throws<AgeException>(() => AgeIdentity.Parse(text));

        Assert.Equal(AgeFailure.Key, error.Failure);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GFPYYSJZ", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwx", "has a wrong checksum")]
    [InlineData("AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ", "in upper case")]
    public void ParseRecipient_Malformed_SaysWhatIsWrong(string text, string expected)
    {
        var error = Assert.Throws<AgeException>(() => AgeRecipient.Parse(text));

        Assert.Equal(AgeFailure.Key, error.Failure);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRecipient_Not32Bytes_SaysSo()
    {
        var error = Assert.Throws<AgeException>(() => AgeRecipient.Parse(Bech32.Encode("age", new byte[31])));

        Assert.Contains("not an age X25519 recipient (age1 followed by 32 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRecipient_GivenAnIdentity_RefusesWithoutRepeatingIt()
    {
        var error = Assert.Throws<AgeException>(() => AgeRecipient.Parse(SpecIdentity));

        Assert.DoesNotContain("GFPYYSJZ", error.Message, StringComparison.Ordinal);
        Assert.Contains("give its public key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_CommentsBlankLinesAndCrlf_EveryIdentityInOrder()
    {
        using var other = AgeIdentity.Generate();
        var path = _dir.Write("keys.txt", $"# created: 2026-01-01T00:00:00Z\r\n# public key: {SpecRecipient}\r\n{SpecIdentity}\r\n\r\n{other.SecretText()}\r\n");

        var identities = AgeIdentity.ReadFile(path);

        Assert.Equal([SpecRecipient, other.Recipient.ToString()], identities.Select(i => i.Recipient.ToString()));
    }

    [Fact]
    public void ReadFile_BadLine_NamedByFileAndLineWithoutItsText()
    {
        var cut = _dir.Write("cut.txt", $"# a comment\n\n{SpecIdentity[..^2]}\n");
        var recipient = _dir.Write("recipient.txt", $"{SpecRecipient}\n");
        var none = _dir.Write("none.txt", "# nothing\n");

        var error = Assert.Throws<AgeException>(() => AgeIdentity.ReadFile(cut));
        Assert.StartsWith(cut + ":3: not an age identity: it has a wrong checksum", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SpecIdentity[16..40], error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(recipient + ":1: this is an age recipient", Assert.Throws<AgeException>(() => AgeIdentity.ReadFile(recipient)).Message, StringComparison.Ordinal);
        Assert.StartsWith(none + ": no age identity in it", Assert.Throws<AgeException>(() => AgeIdentity.ReadFile(none)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFileText_IsAgeKeygensFormat()
    {
        using var identity = AgeIdentity.Parse(SpecIdentity);

        Assert.Equal($"# created: 1970-01-01T00:00:00Z\n# public key: {SpecRecipient}\n{SpecIdentity}\n", identity.KeyFileText(DateTimeOffset.UnixEpoch));
        Assert.StartsWith("# created: 2026-03-04T05:06:07+02:00\n", identity.KeyFileText(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2))), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFile_OwnerOnly_NeverOverwritten()
    {
        using var identity = AgeIdentity.Generate();
        using var other = AgeIdentity.Generate();
        var path = Path.Combine(_dir.Path, "key.txt");

        identity.WriteFile(path, DateTimeOffset.UnixEpoch);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => other.WriteFile(path, DateTimeOffset.UnixEpoch));
        Assert.Equal(identity.Recipient, Assert.Single(AgeIdentity.ReadFile(path)).Recipient);
    }

    [Theory]
    [InlineData("A12UEL5L", "A", "")]
    [InlineData("a12uel5l", "a", "")]
    [InlineData("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef", "00443214c74254b635cf84653a56d7c675be77df")]
    public void Bech32_Bip173ValidStrings_Decode(string text, string hrp, string hex)
    {
        var decoded = Bech32.Decode(text, out var problem);

        Assert.Null(problem);
        Assert.Equal(hrp, decoded!.Value.Hrp);
        Assert.Equal(hex, Convert.ToHexStringLower(decoded.Value.Data));
        Assert.Equal(text.ToLowerInvariant(), Bech32.Encode(hrp.ToLowerInvariant(), decoded.Value.Data));
    }

    public void Dispose() => _dir.Dispose();
}
