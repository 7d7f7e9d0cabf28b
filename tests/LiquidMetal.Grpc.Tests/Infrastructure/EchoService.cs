using System.Collections.Concurrent;
using Google.Protobuf;
using LiquidMetal.Grpc.Tests.Echo;

namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Our implementation of the test Echo service; behaves like interop/server.js and records what it sees.</summary>
public sealed class EchoService
{
    private readonly ConcurrentQueue<ServerEvent> _events = new();

    public IReadOnlyCollection<ServerEvent> Events => _events;

    public async Task<EchoReply> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.Text == "throw")
        {
            throw new InvalidOperationException("secret internals: /var/lib/liquidmetal/state.db is locked");
        }

        await DelayAsync(request, "Unary", context);
        ThrowIfStatusRequested(request);
        if (context.RequestHeaders.GetValue("x-trace-id") is { } trace)
        {
            context.ResponseHeaders.Add("x-echo-header", trace);
            context.ResponseTrailers.Add("x-echo-trailer", trace);
        }

        var reply = new EchoReply
        {
            Text = request.Text,
            Payload = ByteString.CopyFrom(new byte[request.ReplySize]),
            Peer = context.Peer,
            RequestPayloadSize = request.Payload.Length,
        };
        foreach (var (key, value) in context.RequestHeaders)
        {
            reply.Metadata[key] = reply.Metadata.TryGetValue(key, out var previous) ? previous + "," + value : value;
        }

        return reply;
    }

    public async Task StreamAsync(EchoRequest request, IServerStreamWriter<EchoReply> writer, ServerCallContext context)
    {
        try
        {
            for (var i = 0; i < request.Count; i++)
            {
                if (request.DelayMs > 0)
                {
                    await Task.Delay(request.DelayMs, context.CancellationToken);
                }

                await writer.WriteAsync(new EchoReply { Text = request.Text, Index = i }, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Record("cancelled", "Stream", request.Text, context);
            throw;
        }

        ThrowIfStatusRequested(request);
    }

    /// <summary>Waits until an event matching <paramref name="predicate"/> was recorded, or fails after the timeout.</summary>
    public async Task<ServerEvent> WaitForAsync(Func<ServerEvent, bool> predicate, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_events.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No matching server event within {timeout}; saw: {string.Join("; ", _events)}");
    }

    private static void ThrowIfStatusRequested(EchoRequest request)
    {
        if (request.StatusCode != 0)
        {
            throw new RpcException((StatusCode)request.StatusCode, request.StatusMessage, new Metadata().Add("x-error-detail", "from-liquidmetal"));
        }
    }

    private async Task DelayAsync(EchoRequest request, string method, ServerCallContext context)
    {
        if (request.DelayMs <= 0)
        {
            return;
        }

        try
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            Record("cancelled", method, request.Text, context);
            throw;
        }
    }

    private void Record(string kind, string method, string text, ServerCallContext context)
    {
        var reason = context.Deadline <= DateTimeOffset.UtcNow ? "deadline" : "client";
        _events.Enqueue(new ServerEvent($"{kind}:{reason}", method, text));
    }
}
