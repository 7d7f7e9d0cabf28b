using System.Diagnostics;
using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiquidMetal.Grpc.Tests;

/// <summary>A sanity bound on unary round trips over loopback h2c, run alone so other tests do not skew it.</summary>
[Collection(nameof(LatencyCollection))]
public sealed class LatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UnaryAsync_1000SequentialCalls_P50AndP99WithinGenerousBounds()
    {
        await using var server = await EchoServer.StartAsync();
        using var client = new GrpcClient(server.H2cAddress);
        var request = new EchoRequest { Text = "ping" };
        for (var i = 0; i < 100; i++)
        {
            await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request);
        }

        var samples = new double[1000];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.UnaryAsync<EchoRequest, EchoReply>(EchoMethods.Unary, request);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        var p50 = samples[499];
        var p99 = samples[989];
        output.WriteLine($"unary round trip over loopback h2c, 1000 calls: p50 {p50:F3} ms, p99 {p99:F3} ms, max {samples[^1]:F3} ms");
        Console.WriteLine($"[latency] unary p50 {p50:F3} ms, p99 {p99:F3} ms");
        Assert.True(p50 < 20, $"p50 {p50:F3} ms");
        Assert.True(p99 < 100, $"p99 {p99:F3} ms");
    }
}
