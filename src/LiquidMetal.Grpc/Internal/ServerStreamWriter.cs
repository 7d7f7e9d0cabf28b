using Google.Protobuf;

namespace LiquidMetal.Grpc.Internal;

/// <summary>The handler's view of a server-streaming response.</summary>
internal sealed class ServerStreamWriter<T>(ServerCall call) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return call.WriteAsync(message, flush: true, cancellationToken);
    }
}
