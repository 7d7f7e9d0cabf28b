using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The bytes last written for each status document, reused while the document is the same: at 1,000 hosts a
/// one-cluster change re-serialized 3,000 unchanged documents, and the commit hashed them all again (CommitWriter does
/// not hash the same array twice). One per reconciler, kept across its passes. Documents are compared field by field
/// and arrays item by item; a field added to a document later is compared by the record itself, so at worst an
/// unchanged document is written again, never a changed one skipped.
/// </summary>
public sealed class WrittenDocuments
{
    private readonly ConcurrentDictionary<string, (object Document, byte[] Bytes)> _last = new(StringComparer.Ordinal);

    /// <summary>
    /// The document last written at <paramref name="path"/> when <paramref name="same"/> says this one has not changed,
    /// else this one. A pass's status snapshot is kept until the next pass: holding the instances already kept, not a
    /// fresh copy of 3,000 unchanged documents, leaves the copies to die young instead of being promoted each pass.
    /// </summary>
    public T Kept<T>(string path, T document, Func<T, T, bool> same)
        where T : class =>
        _last.TryGetValue(path, out var last) && last.Document is T before && same(before, document) ? before : document;

    /// <summary>The bytes of <paramref name="kept"/>, what <see cref="Kept"/> gave for <paramref name="path"/>: the last ones when it is the document last written there.</summary>
    public byte[] Bytes<T>(string path, T kept, Func<T, string> write)
        where T : class
    {
        if (_last.TryGetValue(path, out var last) && ReferenceEquals(last.Document, kept))
        {
            return last.Bytes;
        }

        var bytes = Encoding.UTF8.GetBytes(write(kept));
        _last[path] = (kept, bytes);
        return bytes;
    }

    /// <summary>
    /// <paramref name="text"/> as UTF-8: the bytes last written at <paramref name="path"/> when the same, else new ones.
    /// For a whole-fleet view (the README, the capacity map), cheaper to write again than to compare as documents, but
    /// not worth hashing again when the same. Encoded chunk by chunk into a pooled buffer: at 1,000 hosts the map is
    /// 260 KB, and a string and an array of that size each pass are large-object allocations that cost gen-2 collections.
    /// </summary>
    public byte[] Same(string path, StringBuilder text)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        var count = 0;
        foreach (var chunk in text.GetChunks())
        {
            count += encoder.GetByteCount(chunk.Span, flush: false);
        }

        count += encoder.GetByteCount([], flush: true);
        encoder.Reset();
        var buffer = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var at = 0;
            foreach (var chunk in text.GetChunks())
            {
                at += encoder.GetBytes(chunk.Span, buffer.AsSpan(at), flush: false);
            }

            at += encoder.GetBytes([], buffer.AsSpan(at), flush: true);
            if (_last.TryGetValue(path, out var last) && last.Bytes.AsSpan().SequenceEqual(buffer.AsSpan(0, at)))
            {
                return last.Bytes;
            }

            var bytes = buffer.AsSpan(0, at).ToArray();
            _last[path] = (bytes, bytes);
            return bytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
