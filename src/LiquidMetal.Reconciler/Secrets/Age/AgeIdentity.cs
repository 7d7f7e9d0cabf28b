using System.Globalization;
using NSec.Cryptography;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// An age X25519 identity, AGE-SECRET-KEY-1...: the private key that opens files encrypted to its
/// <see cref="Recipient"/>. <see cref="ToString"/> names the recipient only; <see cref="SecretText"/> is the key itself.
/// </summary>
public sealed class AgeIdentity : IDisposable
{
    internal const string Hrp = "AGE-SECRET-KEY-";

    private AgeIdentity(Key key)
    {
        Key = key;
        Recipient = new AgeRecipient(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    internal Key Key { get; }

    public AgeRecipient Recipient { get; }

    public static AgeIdentity Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>
    /// Parses AGE-SECRET-KEY-1... (upper case, as age-keygen writes and age requires); a malformed one throws
    /// <see cref="AgeException"/>, whose message never repeats the text.
    /// </summary>
    public static AgeIdentity Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("age1", StringComparison.OrdinalIgnoreCase))
        {
            throw new AgeException(AgeFailure.Key, "this is an age recipient (a public key, age1...), not an identity (AGE-SECRET-KEY-1...)");
        }

        if (trimmed.StartsWith("AGE-PLUGIN-", StringComparison.OrdinalIgnoreCase))
        {
            throw new AgeException(AgeFailure.Key, "age plugin identities (AGE-PLUGIN-...) are not supported: use an X25519 identity (AGE-SECRET-KEY-1...)");
        }

        var decoded = Bech32.Decode(trimmed, out var problem);
        if (decoded is not { } value)
        {
            throw new AgeException(AgeFailure.Key, $"not an age identity: it {problem}");
        }

        try
        {
            if (value.Hrp == Hrp.ToLowerInvariant())
            {
                throw new AgeException(AgeFailure.Key, "an age identity in lower case: age reads identities in upper case only (AGE-SECRET-KEY-1...)");
            }

            if (value.Hrp != Hrp || value.Data.Length != 32)
            {
                throw new AgeException(AgeFailure.Key, "not an age X25519 identity (AGE-SECRET-KEY-1 followed by 32 bytes)");
            }

            return new AgeIdentity(Key.Import(KeyAgreementAlgorithm.X25519, value.Data, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
        }
        finally
        {
            Array.Clear(value.Data);
        }
    }

    /// <summary>
    /// The identities in an age key file (age-keygen's format): one per line, lines starting with '#' and empty lines
    /// skipped. A bad line is reported as file:line and what is wrong, never with its text.
    /// </summary>
    public static IReadOnlyList<AgeIdentity> ReadFile(string path)
    {
        var identities = new List<AgeIdentity>();
        try
        {
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
                    throw new AgeException(AgeFailure.Key, $"{path}:{number}: {e.Message}");
                }
            }
        }
        catch
        {
            identities.ForEach(i => i.Dispose());
            throw;
        }

        return identities.Count > 0
            ? identities
            : throw new AgeException(AgeFailure.Key, $"{path}: no age identity in it (a line AGE-SECRET-KEY-1...; make one with `liquidmetal age-keygen` or age-keygen)");
    }

    /// <summary>The text of a key file as age-keygen writes it: when it was made, the public key, the identity.</summary>
    public string KeyFileText(DateTimeOffset created)
    {
        var when = created.Offset == TimeSpan.Zero
            ? created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : created.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return $"# created: {when}\n# public key: {Recipient}\n{SecretText()}\n";
    }

    /// <summary>Writes <see cref="KeyFileText"/> to a new file readable by its owner only (0600); never overwrites one.</summary>
    public void WriteFile(string path, DateTimeOffset created)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(KeyFileText(created));
    }

    /// <summary>AGE-SECRET-KEY-1..., the identity itself: for key files only.</summary>
    public string SecretText()
    {
        var raw = Key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            return Bech32.Encode(Hrp.ToLowerInvariant(), raw).ToUpperInvariant();
        }
        finally
        {
            Array.Clear(raw);
        }
    }

    public override string ToString() => $"age identity for {Recipient}";

    public void Dispose() => Key.Dispose();
}
