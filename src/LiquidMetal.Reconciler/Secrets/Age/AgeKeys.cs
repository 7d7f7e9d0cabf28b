using System.Globalization;
using NSec.Cryptography;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>An age X25519 recipient, age1...: whom a file is encrypted to.</summary>
public sealed class AgeRecipient
{
    internal const string Hrp = "age";

    internal AgeRecipient(byte[] publicKey) => PublicKey = publicKey;

    internal byte[] PublicKey { get; }

    /// <summary>Parses age1...; a malformed one throws <see cref="AgeException"/> saying what is wrong.</summary>
    public static AgeRecipient Parse(string text)
    {
        var decoded = Bech32.Decode(text.Trim(), out var problem);
        if (decoded is not { } value)
        {
            throw new AgeException($"'{text}' is not an age recipient: it {problem}");
        }

        if (value.Hrp != Hrp || value.Data.Length != 32)
        {
            throw new AgeException($"'{text}' is not an age X25519 recipient (age1 followed by 32 bytes)");
        }

        return new AgeRecipient(value.Data);
    }

    public override string ToString() => Bech32.Encode(Hrp, PublicKey);
}

/// <summary>
/// An age X25519 identity, AGE-SECRET-KEY-1...: the private key that opens files encrypted to its
/// <see cref="Recipient"/>. Never printed: <see cref="ToString"/> names its recipient only.
/// </summary>
public sealed class AgeIdentity : IDisposable
{
    internal const string Hrp = "age-secret-key-";

    private AgeIdentity(Key key)
    {
        Key = key;
        Recipient = new AgeRecipient(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    internal Key Key { get; }

    public AgeRecipient Recipient { get; }

    public static AgeIdentity Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Parses AGE-SECRET-KEY-1...; a malformed one throws <see cref="AgeException"/>, which never repeats the key.</summary>
    public static AgeIdentity Parse(string text)
    {
        var decoded = Bech32.Decode(text.Trim(), out var problem);
        if (decoded is not { } value)
        {
            throw new AgeException($"not an age identity: it {problem}");
        }

        if (value.Hrp != Hrp || value.Data.Length != 32)
        {
            throw new AgeException("not an age X25519 identity (AGE-SECRET-KEY-1 followed by 32 bytes)");
        }

        try
        {
            return new AgeIdentity(Key.Import(KeyAgreementAlgorithm.X25519, value.Data, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
        }
        finally
        {
            Array.Clear(value.Data);
        }
    }

    /// <summary>
    /// The identities in an age key file (age-keygen's format): one per line, '#' comments and blank lines skipped.
    /// A bad line is reported as file:line without its content.
    /// </summary>
    public static IReadOnlyList<AgeIdentity> ReadFile(string path)
    {
        var identities = new List<AgeIdentity>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }

            try
            {
                identities.Add(Parse(text));
            }
            catch (AgeException e)
            {
                throw new AgeException($"{path}:{number}: {e.Message}");
            }
        }

        return identities.Count > 0 ? identities : throw new AgeException($"{path} holds no age identity (a line AGE-SECRET-KEY-1...; make one with `liquidmetal age-keygen` or age-keygen)");
    }

    /// <summary>Writes a key file as age-keygen does (created, public key, identity), readable by its owner only.</summary>
    public void WriteFile(string path, DateTimeOffset now)
    {
        var text = $"# created: {now.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture)}\n# public key: {Recipient}\n{SecretText()}\n";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    /// <summary>AGE-SECRET-KEY-1..., the identity itself: for key files only.</summary>
    public string SecretText()
    {
        var raw = Key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            return Bech32.Encode(Hrp, raw).ToUpperInvariant();
        }
        finally
        {
            Array.Clear(raw);
        }
    }

    public override string ToString() => $"age identity for {Recipient}";

    public void Dispose() => Key.Dispose();
}

/// <summary>What is wrong with an age key or file; never carries key material.</summary>
public sealed class AgeException(string message) : Exception(message);
