using System.Globalization;
using System.Text.Json;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>
/// The stored form of <see cref="ClusterSecrets"/>: a small JSON document with <c>apiVersion</c> and <c>kind</c>.
/// Read by hand, field by field, so every error names a field and none can quote a key.
/// </summary>
internal static class ClusterSecretsJson
{
    public const string ApiVersion = "liquidmetal.dev/v1alpha1";
    public const string Kind = "ClusterSecrets";

    private static readonly string[] TopFields =
        ["apiVersion", "kind", "cluster", "clusterCA", "etcdCA", "frontProxyCA", "serviceAccount", "bootstrapTokens"];

    private static readonly string[] CaFields = ["certificate", "key"];
    private static readonly string[] ServiceAccountFields = ["key", "publicKey"];
    private static readonly string[] TokenFields = ["id", "secret", "expires"];

    public static byte[] Write(ClusterSecrets secrets)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", ApiVersion);
            json.WriteString("kind", Kind);
            json.WriteString("cluster", secrets.Cluster);
            WriteCa(json, "clusterCA", secrets.ClusterCa);
            WriteCa(json, "etcdCA", secrets.EtcdCa);
            WriteCa(json, "frontProxyCA", secrets.FrontProxyCa);
            json.WriteStartObject("serviceAccount");
            json.WriteString("key", secrets.ServiceAccount.KeyPem);
            json.WriteString("publicKey", secrets.ServiceAccount.PublicKeyPem);
            json.WriteEndObject();
            json.WriteStartArray("bootstrapTokens");
            foreach (var token in secrets.BootstrapTokens)
            {
                json.WriteStartObject();
                json.WriteString("id", token.Id);
                json.WriteString("secret", token.Secret);
                json.WriteString("expires", token.ExpiresRfc3339);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public static ClusterSecrets Read(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                throw Fail("more than one JSON value");
            }
        }
        catch (JsonException e)
        {
            // The parser's own message may quote a character of the input: say where, not what.
            throw Fail($"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("the document must be a JSON object");
            }

            // The version first: a newer document should say so, not fail on the first field it does not know.
            var apiVersion = String(root, "apiVersion", "");
            if (apiVersion != ApiVersion)
            {
                throw Fail($"apiVersion '{Clip(apiVersion)}' is not supported; this reconciler reads '{ApiVersion}'");
            }

            var kind = String(root, "kind", "");
            if (kind != Kind)
            {
                throw Fail($"kind '{Clip(kind)}' is not {Kind}");
            }

            OnlyFields(root, TopFields, "");
            var cluster = String(root, "cluster", "");
            var clusterCa = ReadCa(root, "clusterCA");
            var etcdCa = ReadCa(root, "etcdCA");
            var frontProxyCa = ReadCa(root, "frontProxyCA");

            var serviceAccountElement = Object(root, "serviceAccount", "");
            OnlyFields(serviceAccountElement, ServiceAccountFields, "serviceAccount.");
            var serviceAccount = Guard("serviceAccount", () => ServiceAccountKey.FromPem(
                String(serviceAccountElement, "key", "serviceAccount."),
                String(serviceAccountElement, "publicKey", "serviceAccount.")));

            var tokens = new List<BootstrapToken>();
            var tokensElement = Member(root, "bootstrapTokens", "", JsonValueKind.Array);
            foreach (var (element, index) in tokensElement.EnumerateArray().Select((element, index) => (element, index)))
            {
                var path = $"bootstrapTokens[{index}]";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    throw Fail($"{path}: must be an object");
                }

                OnlyFields(element, TokenFields, path + ".");
                var id = String(element, "id", path + ".");
                var secret = String(element, "secret", path + ".");
                var expiresText = String(element, "expires", path + ".");
                if (!DateTimeOffset.TryParseExact(expiresText, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expires))
                {
                    throw Fail($"{path}.expires: must be an RFC 3339 UTC time like 2026-01-02T03:04:05Z");
                }

                tokens.Add(Guard(path, () => new BootstrapToken(id, secret, expires)));
            }

            return Guard("", () => ClusterSecrets.Create(cluster, clusterCa, etcdCa, frontProxyCa, serviceAccount, tokens));
        }
    }

    private static void WriteCa(Utf8JsonWriter json, string name, CertificateAuthority ca)
    {
        json.WriteStartObject(name);
        json.WriteString("certificate", ca.CertificatePem);
        json.WriteString("key", ca.KeyPem);
        json.WriteEndObject();
    }

    private static CertificateAuthority ReadCa(JsonElement root, string name)
    {
        var element = Object(root, name, "");
        OnlyFields(element, CaFields, name + ".");
        var certificate = String(element, "certificate", name + ".");
        var key = String(element, "key", name + ".");
        return Guard(name, () => CertificateAuthority.FromPem(certificate, key, name));
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (FormatException e)
        {
            // Our own messages (Pki, BootstrapToken, ClusterSecrets) name fields only.
            throw Fail(path.Length == 0 ? e.Message : $"{path}: {e.Message}");
        }
    }

    private static void OnlyFields(JsonElement element, string[] allowed, string prefix)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Fail($"{prefix}{Clip(property.Name)}: unknown field (expected {string.Join(", ", allowed)})");
            }

            if (!seen.Add(property.Name))
            {
                throw Fail($"{prefix}{property.Name}: appears twice");
            }
        }
    }

    private static JsonElement Member(JsonElement element, string name, string prefix, JsonValueKind kind)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            throw Fail($"{prefix}{name}: missing");
        }

        if (value.ValueKind != kind)
        {
            throw Fail($"{prefix}{name}: must be {Article(kind)}, not {Article(value.ValueKind)}");
        }

        return value;
    }

    private static JsonElement Object(JsonElement element, string name, string prefix) =>
        Member(element, name, prefix, JsonValueKind.Object);

    private static string String(JsonElement element, string name, string prefix) =>
        Member(element, name, prefix, JsonValueKind.String).GetString()!;

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>Only short, public values (versions, kinds, field names) are echoed, and only their start.</summary>
    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "...";

    private static ClusterSecretsFormatException Fail(string problem) => new($"cluster secrets: {problem}");
}
