using System.Collections;

namespace LiquidMetal.Grpc;

/// <summary>gRPC metadata: ordered ASCII key/value pairs sent as HTTP/2 headers or trailers (keys are lowercase).</summary>
public sealed class Metadata : IReadOnlyCollection<KeyValuePair<string, string>>
{
    // Headers that belong to HTTP/2 or to the gRPC framing itself; letting a caller set them would corrupt the call.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "content-type", "te", "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "content-length", "user-agent",
    };

    private readonly List<KeyValuePair<string, string>> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Adds an entry; the key is lowercased and must be a valid gRPC header name, the value printable ASCII.</summary>
    public Metadata Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var name = key.ToLowerInvariant();
        if (!IsValidKey(name))
        {
            throw new ArgumentException($"'{key}' is not a valid metadata key: use 0-9 a-z _ - . only.", nameof(key));
        }

        if (name.StartsWith("grpc-", StringComparison.Ordinal) || Reserved.Contains(name))
        {
            throw new ArgumentException($"'{key}' is reserved by HTTP/2 or gRPC and cannot be sent as metadata.", nameof(key));
        }

        if (!IsValidValue(value))
        {
            throw new ArgumentException($"The value of '{key}' must be printable ASCII (0x20-0x7E).", nameof(value));
        }

        _entries.Add(new(name, value));
        return this;
    }

    /// <summary>The first value for <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }

        return null;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Adds an entry received from the peer, which was already valid HTTP and is kept as it came.</summary>
    internal void AddReceived(string key, string value) => _entries.Add(new(key, value));

    private static bool IsValidKey(string key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(c is >= 'a' and <= 'z' || c is >= '0' and <= '9' || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidValue(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
