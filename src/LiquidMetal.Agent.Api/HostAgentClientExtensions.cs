using System.Runtime.CompilerServices;
using Grpc.Core;
using LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Api;

/// <summary>The agent's calls in the shapes its callers use: Apply of a spec, and Watch as an async stream.</summary>
public static class HostAgentClientExtensions
{
    /// <summary>Applies <paramref name="spec"/>, the host's whole desired state.</summary>
    public static async Task<ApplyResponse> ApplyAsync(this HostAgent.HostAgentClient client, HostSpec spec, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await client.ApplyAsync(new ApplyRequest { Spec = spec }, deadline: deadline, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The current status, then its changes (the newest, at most one message each 100 ms), until the connection drops
    /// (an <see cref="RpcException"/>) or <paramref name="cancellationToken"/> is cancelled (an
    /// <see cref="OperationCanceledException"/>, as any async stream ends when its caller cancels).
    /// </summary>
    public static async IAsyncEnumerable<HostStatus> WatchAsync(this HostAgent.HostAgentClient client, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var call = client.Watch(new WatchRequest(), cancellationToken: cancellationToken);
        while (true)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    yield break;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the watch was cancelled by its caller", e, cancellationToken);
            }

            yield return call.ResponseStream.Current;
        }
    }
}
