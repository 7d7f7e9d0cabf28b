using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using LiquidMetal.Agent.Api;
using LiquidMetal.Fleet.Rendering;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>
/// The agents over gRPC: one channel per endpoint, and one Watch stream per agent, kept across passes. What a host
/// runs is read from its open stream (<see cref="AgentWatches"/>) and asked with GetStatus only where none is open: at
/// 1,000 hosts a pass asks the few whose streams are down, not every agent. A host whose agent already reports the
/// rendered spec hash gets no Apply; otherwise it gets the whole spec under the agent's next generation. Hosts are
/// handled in parallel with a bound; one down or slow host delays no other.
/// </summary>
public sealed class GrpcAgentPool(AgentClientOptions? clientOptions, int maxParallel, TimeSpan callTimeout, TimeProvider time, int attempts = 2) : IAgentPool
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly AgentWatches _watches = new(time);

    public Task<IReadOnlyDictionary<string, ObservedHost>> ObserveAsync(IReadOnlyList<RenderedHost> hosts, bool ask, CancellationToken cancellationToken) =>
        ForEachHostAsync(hosts, (host, token) => ConvergeAsync(host, null, apply: false, known: null, ask, token), cancellationToken);

    public Task<IReadOnlyDictionary<string, ObservedHost>> ApplyAsync(IReadOnlyList<RenderedHost> hosts, string revision, IReadOnlyDictionary<string, ObservedHost>? observed, CancellationToken cancellationToken) =>
        ForEachHostAsync(hosts, (host, token) => ConvergeAsync(host, revision, apply: true, observed?.GetValueOrDefault(host.Host)?.Report, ask: false, token), cancellationToken);

    private async Task<IReadOnlyDictionary<string, ObservedHost>> ForEachHostAsync(IReadOnlyList<RenderedHost> hosts, Func<RenderedHost, CancellationToken, Task<ObservedHost>> act, CancellationToken cancellationToken)
    {
        var observations = new ConcurrentDictionary<string, ObservedHost>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = maxParallel, CancellationToken = cancellationToken }, async (host, token) =>
        {
            observations[host.Host] = await act(host, token);
        });
        return observations;
    }

    private async Task<ObservedHost> ConvergeAsync(RenderedHost host, string? revision, bool apply, HostReport? known, bool ask, CancellationToken cancellationToken)
    {
        using var activity = ReconcilerTelemetry.Source.StartActivity(apply ? "apply host" : "observe host");
        activity?.SetTag("liquidmetal.host", host.Host);
        var observation = await ConvergeCoreAsync(host, revision, apply, known, ask, cancellationToken);
        activity?.SetTag("liquidmetal.applied", observation.Applied);
        if (observation.Error is not null)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, observation.Error);
        }

        return observation;
    }

    private async Task<ObservedHost> ConvergeCoreAsync(RenderedHost host, string? revision, bool apply, HostReport? known, bool ask, CancellationToken cancellationToken)
    {
        var client = ClientFor(host.AgentEndpoint);
        known ??= ask ? null : _watches.Current(host.AgentEndpoint);
        string? lastError = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            HostReport? report = null;
            var asked = known is null;
            try
            {
                if (asked)
                {
                    System.Diagnostics.Activity.Current?.SetTag("liquidmetal.asked", true);
                }

                report = known ?? WireReport.From(await client.GetStatusAsync(new Wire.GetStatusRequest(), deadline: Deadline(), cancellationToken: cancellationToken));
                known = null; // a retry asks again
                if (report.Host.Length > 0 && report.Host != host.Host)
                {
                    // Two hosts' endpoints swapped, or one reused: what it reports is another host's.
                    return new ObservedHost(host.Host, null, $"the agent at {host.AgentEndpoint} is host {report.Host}, not {host.Host}: check agent.endpoint in hosts/{host.Host}.yaml", Applied: false);
                }

                if (!apply || report.SpecHash == host.SpecHash)
                {
                    return new ObservedHost(host.Host, report, null, Applied: false);
                }

                var spec = WireSpec.From(host, report.ObservedGeneration + 1, revision ?? string.Empty);
                var response = await client.ApplyAsync(spec, Deadline(), cancellationToken);
                _watches.Applied(host.AgentEndpoint, response.AcceptedGeneration);
                return new ObservedHost(host.Host, WireReport.From(response.Status), null, Applied: true);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // The pass itself is being cancelled (shutdown), not this host failing.
                throw new OperationCanceledException("the pass was cancelled", e, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && !asked && attempt < attempts)
            {
                // A stale generation: the status this Apply was built on was not asked for just now (the last pass's, or
                // a stream's whose news of another writer's Apply was still on its way). Ask, and build it again.
                lastError = $"{e.StatusCode}: {e.Status.Detail}";
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted or StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                // The agent refused: retrying the same request cannot help. What it offers stays known (status compares it with the fleet's figures).
                return new ObservedHost(host.Host, null, $"agent refused: {e.StatusCode}: {e.Status.Detail}", Applied: false) { Offered = report?.Capacity };
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or HttpRequestException or IOException or OperationCanceledException)
            {
                lastError = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                if (attempt < attempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken);
                }
            }
        }

        return new ObservedHost(host.Host, null, $"agent at {host.AgentEndpoint} unreachable: {lastError}", Applied: false);
    }

    /// <summary>
    /// Waits on the agents' Watch streams (kept open across passes; their first message is the current status), so a
    /// change between the last pass and this call counts. An agent whose stream fails or ends is left alone (the
    /// caller's timed recheck covers it): a host that stays down, or no host to watch at all, must not wake the
    /// reconciler over and over.
    /// </summary>
    public Task WaitForChangeAsync(IReadOnlyDictionary<string, string> seen, CancellationToken cancellationToken)
    {
        foreach (var endpoint in seen.Keys)
        {
            _watches.Ensure(endpoint, () => ClientFor(endpoint));
        }

        return _watches.WaitForChangeAsync(seen, cancellationToken);
    }

    public void Retain(IEnumerable<string> endpoints)
    {
        var keep = endpoints.ToHashSet(StringComparer.Ordinal);
        _watches.Retain(keep, ClientFor);
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
        _watches.Dispose();
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private Wire.HostAgent.HostAgentClient ClientFor(string endpoint) =>
        new(_channels.GetOrAdd(endpoint, e => AgentChannel.Create(new Uri(e), clientOptions)));

    // gRPC deadlines are absolute on the wall clock (the agent sees them as a grpc-timeout header): the machine's clock,
    // not the reconciler's TimeProvider, which tests may stop.
    private DateTime Deadline() => DateTime.UtcNow + callTimeout;
}
