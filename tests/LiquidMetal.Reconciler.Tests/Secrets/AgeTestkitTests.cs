using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>
/// Known answers from age's own test suite (Testkit/README.md): each vector decrypts, or fails at the step it names;
/// what decrypts is encoded again byte for byte, header, payload and armor alike.
/// </summary>
public sealed class AgeTestkitTests
{
    public static TheoryData<string> Vectors => [.. new DirectoryInfo(Folder()).GetFiles().Select(f => f.Name).Where(n => n != "README.md" && !n.StartsWith('.')).Order()];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decrypt_Vector_GivesItsExpectedOutcome(string name)
    {
        var vector = Vector.Read(Path.Combine(Folder(), name));
        // A vector without an identity fails before any is tried; Decrypt still wants one.
        using var identities = new DisposableList(vector.Identities.Count > 0 ? vector.Identities.Select(AgeIdentity.Parse) : [AgeIdentity.Generate()]);
        var file = vector.Armored ? vector.File : [.. vector.File, .. SealedPayload(vector.FileKey, "age"u8)];

        byte[] Open() => AgeFile.Decrypt(vector.Armored ? AgeFile.Dearmor(file) : file, identities.Items);

        if (vector.Expect == "success")
        {
            Assert.Equal(vector.Payload, Convert.ToHexStringLower(SHA256.HashData(Open())));
            return;
        }

        var error = Assert.Throws<AgeException>(() => Open());
        Assert.Equal(
            vector.Expect switch
            {
                "armor failure" => AgeFailure.Armor,
                "header failure" => AgeFailure.Header,
                "no match" => AgeFailure.NoMatch,
                "HMAC failure" => AgeFailure.HeaderMac,
                "payload failure" => AgeFailure.Payload,
                var other => throw new InvalidDataException($"{name}: unknown expectation '{other}'"),
            },
            error.Failure);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encode_DecodedVector_GivesTheSameBytes(string name)
    {
        var vector = Vector.Read(Path.Combine(Folder(), name));
        if (vector.Expect is not ("success" or "no match"))
        {
            return; // nothing sound to encode again
        }

        var binary = vector.Armored ? AgeFile.Dearmor(vector.File) : vector.File;
        var header = AgeHeader.Parse(binary);
        Assert.Equal(binary[..header.PayloadOffset], AgeHeader.Encode(header.Stanzas, vector.FileKey));
        if (vector.Armored)
        {
            // Canonical armor is LF-ended with nothing around it; the payload is the reference's, so seal it again too.
            var canonical = Encoding.ASCII.GetString(vector.File).Trim().Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
            Assert.Equal(canonical, AgeFile.Armor(binary));
            using var identity = AgeIdentity.Parse(vector.Identities[0]);
            var plaintext = AgeFile.Decrypt(binary, [identity]);
            var payload = binary[header.PayloadOffset..];
            var again = new byte[AgePayload.SealedLength(plaintext.Length)];
            AgePayload.Seal(vector.FileKey, payload[..16], plaintext, again);
            Assert.Equal(payload, again);
        }
    }

    private static byte[] SealedPayload(byte[] fileKey, ReadOnlySpan<byte> plaintext)
    {
        var payload = new byte[AgePayload.SealedLength(plaintext.Length)];
        AgePayload.Seal(fileKey, RandomNumberGenerator.GetBytes(16), plaintext, payload);
        return payload;
    }

    private static string Folder([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Testkit");

    /// <summary>One vector: its "key: value" lines, an empty line, then the file (binary ones cut after the header).</summary>
    private sealed record Vector(string Expect, string? Payload, byte[] FileKey, List<string> Identities, bool Armored, byte[] File)
    {
        public static Vector Read(string path)
        {
            var bytes = System.IO.File.ReadAllBytes(path);
            var split = bytes.AsSpan().IndexOf("\n\n"u8);
            var fields = Encoding.ASCII.GetString(bytes, 0, split).Split('\n').Select(l => l.Split(": ", 2)).ToList();
            string? One(string key) => fields.FirstOrDefault(f => f[0] == key)?[1];
            return new Vector(
                One("expect")!,
                One("payload"),
                Convert.FromHexString(One("file key")!),
                [.. fields.Where(f => f[0] == "identity").Select(f => f[1])],
                One("armored") == "yes",
                bytes[(split + 2)..]);
        }
    }

    private sealed class DisposableList(IEnumerable<AgeIdentity> items) : IDisposable
    {
        public List<AgeIdentity> Items { get; } = [.. items];

        public void Dispose() => Items.ForEach(i => i.Dispose());
    }
}
