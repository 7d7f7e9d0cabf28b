using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>
/// The text header of an age file: the version line, one or more recipient stanzas, and the MAC line "--- mac", where
/// the MAC is HMAC-SHA-256 keyed by HKDF(file key, info "header") over everything up to and including "---".
/// </summary>
internal sealed class AgeHeader
{
    public const string VersionLine = "age-encryption.org/v1";
    private const string VersionPrefix = "age-encryption.org/";
    private const int MacSize = 32;

    private AgeHeader(IReadOnlyList<AgeStanza> stanzas, byte[] macInput, byte[] mac, int payloadOffset)
    {
        Stanzas = stanzas;
        MacInput = macInput;
        Mac = mac;
        PayloadOffset = payloadOffset;
    }

    public IReadOnlyList<AgeStanza> Stanzas { get; }

    /// <summary>The header's bytes up to and including "---": what the MAC covers.</summary>
    public byte[] MacInput { get; }

    public byte[] Mac { get; }

    /// <summary>Where the payload (its nonce first) starts in the file.</summary>
    public int PayloadOffset { get; }

    public bool MacMatches(ReadOnlySpan<byte> fileKey) => CryptographicOperations.FixedTimeEquals(ComputeMac(fileKey, MacInput), Mac);

    /// <summary>The whole header, MAC line included, for these stanzas and file key.</summary>
    public static byte[] Encode(IReadOnlyList<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        var text = new StringBuilder(VersionLine).Append('\n');
        foreach (var stanza in stanzas)
        {
            stanza.AppendTo(text);
        }

        text.Append("---");
        var mac = ComputeMac(fileKey, Encoding.ASCII.GetBytes(text.ToString()));
        text.Append(' ').Append(AgeBase64.Encode(mac)).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static byte[] ComputeMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> macInput)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, key, [], "header"u8);
        var mac = HMACSHA256.HashData(key, macInput);
        CryptographicOperations.ZeroMemory(key);
        return mac;
    }

    /// <summary>Parses the header at the start of <paramref name="file"/>, strictly; a malformed one throws <see cref="AgeException"/>.</summary>
    public static AgeHeader Parse(ReadOnlySpan<byte> file)
    {
        var reader = new LineReader(file);
        if (!file.StartsWith(Encoding.ASCII.GetBytes(VersionPrefix)))
        {
            throw Malformed(file.IsEmpty ? "not an age file: it is empty" : $"not an age file: it does not start with the line {VersionLine}");
        }

        var version = reader.Next();
        if (version != VersionLine)
        {
            var name = version[VersionPrefix.Length..];
            throw Malformed($"unsupported age version '{(name.Length > 40 ? name[..40] + "..." : name)}': only {VersionLine} is read here");
        }

        var stanzas = new List<AgeStanza>();
        while (true)
        {
            var lineStart = reader.Position;
            var line = reader.Next();
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                var mac = line.StartsWith("--- ", StringComparison.Ordinal) ? AgeBase64.Decode(line.AsSpan(4)) : null;
                if (mac is not { Length: MacSize })
                {
                    throw Malformed($"header line {reader.LineNumber}: the MAC line is not '--- ' and a 32-byte MAC in base64");
                }

                if (stanzas.Count == 0)
                {
                    throw Malformed("the header has no recipient stanza");
                }

                return new AgeHeader(stanzas, file[..(lineStart + 3)].ToArray(), mac, reader.Position);
            }

            if (!line.StartsWith("-> ", StringComparison.Ordinal))
            {
                throw Malformed($"header line {reader.LineNumber}: neither a stanza ('-> ...') nor the MAC line ('--- ...')");
            }

            var words = line[3..].Split(' ');
            if (words.Any(w => w.Length == 0))
            {
                throw Malformed($"header line {reader.LineNumber}: a stanza with an empty argument");
            }

            stanzas.Add(new AgeStanza(words[0], words[1..], ReadBody(ref reader)));
        }
    }

    private static byte[] ReadBody(ref LineReader reader)
    {
        var body = new List<byte>();
        while (true)
        {
            var line = reader.Next();
            if (line.Length > AgeStanza.LineColumns)
            {
                throw Malformed($"header line {reader.LineNumber}: a stanza body line longer than {AgeStanza.LineColumns} columns");
            }

            var part = AgeBase64.Decode(line) ?? throw Malformed(line.StartsWith('-')
                ? $"header line {reader.LineNumber}: a stanza without its body (a body ends in a line shorter than {AgeStanza.LineColumns} columns, empty if need be)"
                : $"header line {reader.LineNumber}: a stanza body line that is not canonical unpadded base64");
            body.AddRange(part);
            if (line.Length < AgeStanza.LineColumns)
            {
                return [.. body];
            }
        }
    }

    private static AgeException Malformed(string message) => new(AgeFailure.Header, message);

    /// <summary>Lines ending in LF, each printable ASCII only (so no CR, tab or NUL), from the start of the file.</summary>
    private ref struct LineReader(ReadOnlySpan<byte> file)
    {
        private readonly ReadOnlySpan<byte> _file = file;

        public int Position { get; private set; }

        public int LineNumber { get; private set; }

        public string Next()
        {
            LineNumber++;
            var end = _file[Position..].IndexOf((byte)'\n');
            if (end < 0)
            {
                throw Malformed($"the header is cut short at line {LineNumber} (no MAC line '--- ...' ends it)");
            }

            var line = _file.Slice(Position, end);
            var bad = line.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);
            if (bad >= 0)
            {
                throw Malformed($"header line {LineNumber}, column {bad + 1}: a byte that is not printable ASCII (0x{line[bad]:x2})");
            }

            Position += end + 1;
            return Encoding.ASCII.GetString(line);
        }
    }
}
