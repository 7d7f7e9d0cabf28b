using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Reads length-prefixed messages from an HTTP/2 body, enforcing the size limit before buffering a message.</summary>
internal sealed class MessageReader(PipeReader reader, int maxMessageSize, string? encoding)
{
    /// <summary>The next message, or null at the end of the stream.</summary>
    public async ValueTask<T?> ReadAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumed = buffer.Start;

            // Examined up to the end only when no whole message is buffered: marking bytes of a further, complete
            // message as examined would make the next read wait for more data, and a message that arrived together
            // with the one before it would sit in the buffer until the stream sent something else.
            var examined = buffer.End;
            try
            {
                if (buffer.Length >= GrpcProtocol.FrameHeaderSize)
                {
                    var (compressed, length) = ReadHeader(buffer);
                    if (buffer.Length - GrpcProtocol.FrameHeaderSize >= length)
                    {
                        var payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
                        consumed = examined = payload.End;
                        return Parse(parser, payload, compressed);
                    }
                }

                if (result.IsCompleted)
                {
                    consumed = buffer.End;
                    return buffer.IsEmpty
                        ? null
                        : throw new RpcException(StatusCode.Internal, "The stream ended in the middle of a message.");
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, examined);
            }
        }
    }

    private (bool Compressed, long Length) ReadHeader(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {header[0]} in a message header.");
        }

        // Checked here, from the header alone, so an oversized message is refused before it is buffered.
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > maxMessageSize)
        {
            throw new RpcException(
                StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize})");
        }

        return (header[0] == 1, length);
    }

    private T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed)
        where T : class, IMessage<T>
    {
        try
        {
            return compressed ? parser.ParseFrom(Decompress(payload)) : parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize a {typeof(T).Name} message.");
        }
        catch (InvalidDataException)
        {
            throw new RpcException(StatusCode.Internal, "Failed to decompress a gzip message.");
        }
    }

    private byte[] Decompress(ReadOnlySequence<byte> payload)
    {
        if (string.IsNullOrEmpty(encoding) || encoding == "identity")
        {
            throw new RpcException(StatusCode.Internal, "A message is flagged compressed but the call has no grpc-encoding.");
        }

        if (encoding != "gzip")
        {
            throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'.");
        }

        using var input = new MemoryStream(payload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = gzip.Read(chunk)) > 0)
        {
            // The limit applies to the decompressed size too, or a small bomb would get through.
            if (output.Length + read > maxMessageSize)
            {
                throw new RpcException(
                    StatusCode.ResourceExhausted, $"Received message larger than max after decompression (limit {maxMessageSize})");
            }

            output.Write(chunk, 0, read);
        }

        return output.ToArray();
    }
}
