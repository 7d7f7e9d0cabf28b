using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using LiquidMetal.Agent.Api;
using LiquidMetal.Fleet.Rendering;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Pipeline;

/// <summary>What one host's agent said (or why it said nothing).</summary>
public sealed record HostObservation(string Host, Wire.HostStatus? Status, string? Error, bool Applied)
{
    public bool Reachable => Status is not null;
}

/// <summary>
/// Talks to every host's agent: brings each to its rendered spec and reports what it observed. Stateless: a host
/// whose agent already reports the rendered spec hash gets no Apply; otherwise it gets the whole spec under the
/// agent's next generation. Hosts are handled in parallel with a bound; one down or slow host delays no other.
/// </summary>
public sealed class AgentFleet(AgentClientOptions? clientOptions, int maxParallel, TimeSpan callTimeout, int attempts = 2) : IDisposable
{
    // One channel (connection pool) per agent endpoint, kept across passes.
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    /// <summary>Asks every host's agent what it runs (no Apply).</summary>
    public Task<IReadOnlyDictionary<string, HostObservation>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, CancellationToken cancellationToken) =>
        ForEachHostAsync(hosts, (host, token) => ConvergeAsync(host, null, apply: false, known: null, token), cancellationToken);

    /// <summary>Brings every host to its spec: an Apply only where the agent's last observation shows another spec hash.</summary>
    public Task<IReadOnlyDictionary<string, HostObservation>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, HostObservation>? observed, CancellationToken cancellationToken) =>
        ForEachHostAsync(hosts, (host, token) => ConvergeAsync(host, revision, apply: true, observed?.GetValueOrDefault(host.Host)?.Status, token), cancellationToken);

    private async Task<IReadOnlyDictionary<string, HostObservation>> ForEachHostAsync(IReadOnlyList<RenderedHost> hosts, Func<RenderedHost, CancellationToken, Task<HostObservation>> act, CancellationToken cancellationToken)
    {
        var observations = new ConcurrentDictionary<string, HostObservation>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = maxParallel, CancellationToken = cancellationToken }, async (host, token) =>
        {
            observations[host.Host] = await act(host, token);
        });
        return observations;
    }

    private async Task<HostObservation> ConvergeAsync(RenderedHost host, string? revision, bool apply, Wire.HostStatus? known, CancellationToken cancellationToken)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity(apply ? "apply host" : "observe host");
        activity?.SetTag("liquidmetal.host", host.Host);
        var observation = await ConvergeCoreAsync(host, revision, apply, known, cancellationToken);
        activity?.SetTag("liquidmetal.applied", observation.Applied);
        if (observation.Error is not null)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, observation.Error);
        }

        return observation;
    }

    private async Task<HostObservation> ConvergeCoreAsync(RenderedHost host, string? revision, bool apply, Wire.HostStatus? known, CancellationToken cancellationToken)
    {
        var client = ClientFor(host.AgentEndpoint);
        string? lastError = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                var status = known ?? await client.GetStatusAsync(new Wire.GetStatusRequest(), deadline: Deadline(), cancellationToken: cancellationToken);
                known = null; // a retry asks again
                if (status.Host.Length > 0 && status.Host != host.Host)
                {
                    // Two hosts' endpoints swapped, or one reused: what it reports is another host's.
                    return new HostObservation(host.Host, null, $"the agent at {host.AgentEndpoint} is host {status.Host}, not {host.Host}: check agent.endpoint in hosts/{host.Host}.yaml", Applied: false);
                }

                if (!apply || status.SpecHash == host.SpecHash)
                {
                    return new HostObservation(host.Host, status, null, Applied: false);
                }

                var spec = WireSpec.From(host, status.ObservedGeneration + 1, revision ?? string.Empty);
                var response = await client.ApplyAsync(spec, Deadline(), cancellationToken);
                return new HostObservation(host.Host, response.Status, null, Applied: true);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // The pass itself is being cancelled (shutdown), not this host failing.
                throw new OperationCanceledException("the pass was cancelled", e, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted or StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                // The agent refused: retrying the same request cannot help.
                return new HostObservation(host.Host, null, $"agent refused: {e.StatusCode}: {e.Status.Detail}", Applied: false);
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastError = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                if (attempt < attempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                }
            }
        }

        return new HostObservation(host.Host, null, $"agent at {host.AgentEndpoint} unreachable: {lastError}", Applied: false);
    }

    /// <summary>
    /// Completes as soon as one of the agents (by endpoint) reports work in another state than <paramref name="seen"/>
    /// holds for it (a VM came up, failed, went away); otherwise it never completes and ends only by cancellation.
    /// It rides the agents' Watch streams, whose first message is the current status, so a change between the last
    /// pass and this call counts. An agent whose stream fails or ends is left alone (the caller's timed recheck covers
    /// it): a host that stays down, or no host to watch at all, must not wake the reconciler over and over.
    /// </summary>
    public async Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watches = seen.Select(pair => WatchOneAsync(pair.Key, pair.Value, watching.Token)).ToList();
        try
        {
            while (watches.Count > 0)
            {
                var done = await Task.WhenAny(watches);
                watches.Remove(done);
                if (await done)
                {
                    return;
                }
            }

            await Task.Delay(Timeout.Infinite, cancellationToken); // nothing left that could report a change
        }
        finally
        {
            await watching.CancelAsync();
            await Task.WhenAll(watches); // each ends once cancelled, and none throws
        }
    }

    /// <summary>What of a status decides whether a pass has something new to do or record: the spec and each VM's state.</summary>
    public static string Fingerprint(Wire.HostStatus status) =>
        string.Join('|', status.Vms.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => $"{v.Id} {v.State} {v.Hash} {v.Restarts}")
            .Append($"metal {status.Metal?.Node} {status.Metal?.State} {status.Metal?.Hash}")
            .Append(status.SpecHash));

    private async Task<bool> WatchOneAsync(string endpoint, string seen, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var status in ClientFor(endpoint).WatchAsync(cancellationToken))
            {
                if (Fingerprint(status) != seen)
                {
                    return true;
                }
            }
        }
        catch (Exception)
        {
            // Cancelled, refused, the agent went away, or it sent what we cannot read: no news from here, whatever the cause.
        }

        return false;
    }

    /// <summary>Closes the connections to agents at any endpoint but these (hosts that left the fleet or moved).</summary>
    public void Retain(IEnumerable<string> endpoints)
    {
        var keep = endpoints.ToHashSet(StringComparer.Ordinal);
        foreach (var endpoint in _channels.Keys.Where(e => !keep.Contains(e)).ToList())
        {
            if (_channels.TryRemove(endpoint, out var channel))
            {
                channel.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private Wire.HostAgent.HostAgentClient ClientFor(string endpoint) =>
        new(_channels.GetOrAdd(endpoint, e => AgentChannel.Create(new Uri(e), clientOptions)));

    // gRPC deadlines are absolute and on the wall clock: the agent sees the same instant in its grpc-timeout header.
    private DateTime Deadline() => DateTime.UtcNow + callTimeout;
}
