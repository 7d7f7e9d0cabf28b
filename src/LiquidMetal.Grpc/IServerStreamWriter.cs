namespace LiquidMetal.Grpc;

/// <summary>Writes the messages of a server-streaming response; one write at a time.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Sends one message and flushes it to the client.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
