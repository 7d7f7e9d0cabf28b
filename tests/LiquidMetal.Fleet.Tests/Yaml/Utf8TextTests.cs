using System.Buffers;
using System.Text;
using LiquidMetal.Fleet.Yaml;

namespace LiquidMetal.Fleet.Tests.Yaml;

public sealed class Utf8TextTests
{
    [Theory]
    [InlineData("abcdefghijk", "xy")] // 17 bytes: a count one short rents exactly 16, and the encoding overflows it
    [InlineData("a", "")]
    [InlineData("", "z")]
    public void Rent_SurrogatePairSplitBetweenChunks_TheBytesOfTheText(string before, string after)
    {
        var first = before + "\uD83D"; // the high surrogate of U+1F600 ends the first chunk
        var text = new StringBuilder(first.Length).Append(first).Append("\uDE00" + after);
        var chunks = new List<string>();
        foreach (var chunk in text.GetChunks())
        {
            chunks.Add(chunk.ToString());
        }

        Assert.True(chunks.Count >= 2 && char.IsHighSurrogate(chunks[0][^1]), $"the pair is not split: {string.Join(" | ", chunks)}");

        var (buffer, length) = Utf8Text.Rent(text);
        try
        {
            Assert.Equal(Encoding.UTF8.GetBytes(text.ToString()), buffer.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
