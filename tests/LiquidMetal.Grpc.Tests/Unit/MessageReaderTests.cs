using System.Buffers.Binary;
using System.IO.Pipelines;
using LiquidMetal.Grpc.Internal;
using LiquidMetal.Grpc.Tests.Echo;

namespace LiquidMetal.Grpc.Tests.Unit;

public sealed class MessageReaderTests
{
    [Fact]
    public async Task ReadAsync_MessageSplitAcrossWrites_ReassemblesIt()
    {
        var pipe = new Pipe();
        var reader = new MessageReader(pipe.Reader, 1024, null);
        var frame = MessageFraming.ToArray(new EchoRequest { Text = "split" }, null);

        var read = reader.ReadAsync(EchoRequest.Parser, CancellationToken.None).AsTask();
        foreach (var b in frame)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal("split", (await read)!.Text);
    }

    [Fact]
    public async Task ReadAsync_EndOfStream_Null()
    {
        var pipe = new Pipe();
        await pipe.Writer.CompleteAsync();

        Assert.Null(await new MessageReader(pipe.Reader, 1024, null).ReadAsync(EchoRequest.Parser, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_StreamEndsMidMessage_Internal()
    {
        var pipe = new Pipe();
        var frame = MessageFraming.ToArray(new EchoRequest { Text = "cut" }, null);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, frame.Length - 1));
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new MessageReader(pipe.Reader, 1024, null).ReadAsync(EchoRequest.Parser, CancellationToken.None).AsTask());

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_OversizedHeader_ResourceExhaustedWithoutWaitingForBody()
    {
        var pipe = new Pipe();
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 10_000);
        await pipe.Writer.WriteAsync(header);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new MessageReader(pipe.Reader, 1024, null).ReadAsync(EchoRequest.Parser, CancellationToken.None).AsTask());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_GarbagePayload_Internal()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 2, 0xFF, 0xFF });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new MessageReader(pipe.Reader, 1024, null).ReadAsync(EchoRequest.Parser, CancellationToken.None).AsTask());

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }
}
