using LiquidMetal.Grpc.Tests.Echo;
using LiquidMetal.Grpc.Tests.Infrastructure;

namespace LiquidMetal.Grpc.Tests;

/// <summary>
/// Messages that reach the client in one read must all be delivered at once, not held until more data comes
/// (a watch whose last two updates arrived together once lost the last one until the next update).
/// </summary>
public sealed class StreamBufferingTests : IAsyncLifetime
{
    private const string Method = "/liquidmetal.test.Echo/BurstThenWait";
    private EchoServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await EchoServer.StartAsync(mapMore: endpoints =>
            endpoints.MapGrpcServerStreaming<EchoRequest, EchoReply>(Method, async (request, writer, context) =>
            {
                // Several messages back to back, then nothing: no trailers, no more data, until the client leaves.
                for (var i = 0; i < request.Count; i++)
                {
                    await writer.WriteAsync(new EchoReply { Text = request.Text, Index = i }, context.CancellationToken);
                }

                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(50)]
    public async Task ServerStreaming_BurstThenSilence_EveryMessageArrivesWithoutFurtherData(int count)
    {
        using var client = new GrpcClient(_server.H2cAddress);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = 0;

        await foreach (var reply in client.ServerStreamingAsync<EchoRequest, EchoReply>(Method, new EchoRequest { Text = "burst", Count = count }, cancellationToken: timeout.Token))
        {
            Assert.Equal(received, reply.Index);
            if (++received == count)
            {
                break;
            }
        }

        Assert.Equal(count, received);
    }
}
