using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Rollout;

/// <summary>
/// Hosts that left the fleet: each is told to run nothing, at the endpoint it was last told at (rendered/ on the
/// status branch), until its agent confirms; then it is forgotten. Not when another host now has that endpoint (a
/// renamed host).
/// </summary>
public static class DepartedHosts
{
    /// <summary>The hosts of <paramref name="previous"/> that are not in <paramref name="hosts"/>, as specs that run nothing.</summary>
    public static List<RenderedHost> Find(IReadOnlyList<RenderedHost> hosts, IReadOnlyList<RenderedHost> previous)
    {
        var names = hosts.Select(h => h.Host).ToHashSet(StringComparer.Ordinal);
        var endpoints = hosts.Select(h => Endpoint(h.AgentEndpoint)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. previous
            .Where(p => !names.Contains(p.Host) && !endpoints.Contains(Endpoint(p.AgentEndpoint)))
            .Select(p => p with { Microvms = [], Metal = null, Allocated = Resources.Zero, SpecHash = ContentHash.Of(("removed", p.Host)) })];
    }

    /// <summary>
    /// Only the departed hosts whose (name, endpoint) is in <paramref name="vouched"/>: with signatures required, an
    /// endpoint read from the unsigned status branch must be one a verified revision gave that host.
    /// </summary>
    public static List<RenderedHost> VouchedFor(List<RenderedHost> departed, IReadOnlySet<(string Host, string Endpoint)> vouched) =>
        [.. departed.Where(p => vouched.Contains((p.Host, Endpoint(p.AgentEndpoint))))];

    /// <summary>An endpoint as compared: without a trailing slash.</summary>
    public static string Endpoint(string endpoint) => endpoint.TrimEnd('/');
}
