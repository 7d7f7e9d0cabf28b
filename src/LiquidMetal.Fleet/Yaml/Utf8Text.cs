using System.Buffers;
using System.Text;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// A <see cref="StringBuilder"/>'s text as UTF-8, encoded chunk by chunk into a pooled buffer: no string of the whole
/// text is made. A 1,000-host render writes 28 MB of YAML; as strings first, that was 56 MB more to allocate and collect.
/// </summary>
public static class Utf8Text
{
    /// <summary>The text's bytes in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (give it back); <c>Length</c> bytes of it are the text.</summary>
    public static (byte[] Buffer, int Length) Rent(StringBuilder text)
    {
        // Counted chunk by chunk without carrying state (Encoder.GetByteCount does not carry it either): a surrogate pair
        // split between two chunks counts as two replacement characters, 6 bytes for its 4, so the buffer is never short.
        var count = 0;
        foreach (var chunk in text.GetChunks())
        {
            count += Encoding.UTF8.GetByteCount(chunk.Span);
        }

        var encoder = Encoding.UTF8.GetEncoder();
        var buffer = ArrayPool<byte>.Shared.Rent(count);
        var at = 0;
        foreach (var chunk in text.GetChunks())
        {
            at += encoder.GetBytes(chunk.Span, buffer.AsSpan(at), flush: false);
        }

        at += encoder.GetBytes([], buffer.AsSpan(at), flush: true);
        return (buffer, at);
    }
}
