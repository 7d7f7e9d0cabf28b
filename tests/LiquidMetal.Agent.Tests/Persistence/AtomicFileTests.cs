using System.Text;
using System.Text.Json;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Persistence;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [Fact]
    public async Task WriteAsync_ExistingFile_ReplacedAndNoTempFilesLeft()
    {
        var path = Path.Combine(_dir.Path, "state.json");
        await File.WriteAllTextAsync(path, "old");

        await AtomicFile.WriteAsync(path, Encoding.UTF8.GetBytes("new"));

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal(["state.json"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAsync_ConcurrentReaders_AlwaysSeeACompleteDocument()
    {
        var path = Path.Combine(_dir.Path, "state.json");
        await AtomicFile.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(new { n = 0, pad = new string('x', 100_000) }));
        using var stop = new CancellationTokenSource();
        var torn = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    JsonDocument.Parse(File.ReadAllBytes(path)).Dispose();
                }
                catch (JsonException)
                {
                    torn++;
                }
            }
        });

        for (var n = 1; n <= 200; n++)
        {
            await AtomicFile.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(new { n, pad = new string('x', 100_000 + n) }));
        }

        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, torn);
    }

    public void Dispose() => _dir.Dispose();
}
