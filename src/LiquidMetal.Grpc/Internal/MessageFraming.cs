using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Writes the gRPC length-prefixed message: a compressed flag byte, a big-endian length, the protobuf bytes.</summary>
internal static class MessageFraming
{
    public static void Write(IBufferWriter<byte> writer, IMessage message, int? maxSize)
    {
        var size = CheckedSize(message, maxSize);
        var header = writer.GetSpan(GrpcProtocol.FrameHeaderSize);
        WriteHeader(header, size);
        writer.Advance(GrpcProtocol.FrameHeaderSize);
        message.WriteTo(writer);
    }

    public static byte[] ToArray(IMessage message, int? maxSize)
    {
        var size = CheckedSize(message, maxSize);
        var frame = new byte[GrpcProtocol.FrameHeaderSize + size];
        WriteHeader(frame, size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderSize));
        return frame;
    }

    private static int CheckedSize(IMessage message, int? maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxSize})");
        }

        return size;
    }

    private static void WriteHeader(Span<byte> header, int size)
    {
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
    }
}
