using System.Collections.Concurrent;

namespace LiquidMetal.Fleet.Loading;

/// <summary>
/// What each fleet file parsed to last time, kept by path with the bytes it came from: a long-running reconciler
/// loading revision after revision parses and schema-checks only the files whose bytes changed (one cluster's file,
/// not 3,000). Only files of the last load are kept, so a removed file is forgotten. Safe for one load at a time.
/// </summary>
public sealed class ParseCache
{
    private ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, Entry> _next = new(StringComparer.Ordinal);

    /// <summary>Files parsed in the last load (the others were reused).</summary>
    public int LastParsed { get; private set; }

    internal T GetOrParse<T>(FleetFile file, Func<FleetFile, T> parse)
        where T : class
    {
        if (_entries.TryGetValue(file.Path, out var entry) && entry.Value is T known && entry.Content.AsSpan().SequenceEqual(file.Content))
        {
            _next[file.Path] = entry;
            return known;
        }

        var parsed = parse(file);
        _next[file.Path] = new Entry(file.Content, parsed);
        return parsed;
    }

    /// <summary>Starts a load: what it does not ask for is dropped at <see cref="End"/>.</summary>
    internal void Begin() => _next = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);

    internal void End(int parsed)
    {
        (_entries, _next) = (_next, _entries);
        _next.Clear();
        LastParsed = parsed;
    }

    private sealed record Entry(byte[] Content, object Value);
}
