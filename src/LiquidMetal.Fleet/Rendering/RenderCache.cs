using System.Collections.Concurrent;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>
/// The last rendering of each host, with everything it was rendered from: a host whose definition, fleet name and
/// nodes (each with every field of its cluster that rendering reads) are what they were is not rendered again. A
/// reconciler's pass after a one-cluster change renders the few hosts of that cluster, not 1,000. Fields are compared
/// by value, so a cache hit is exactly a rendering that would give the same result.
/// </summary>
public sealed class RenderCache
{
    private readonly ConcurrentDictionary<string, (Inputs Inputs, RenderedHost Host)> _last = new(StringComparer.Ordinal);

    /// <summary>Hosts rendered (not taken from the cache) in the last <see cref="Renderer.Render"/> through this cache.</summary>
    public int LastRendered => _rendered;

    private int _rendered;

    internal void Begin() => _rendered = 0;

    internal RenderedHost GetOrRender(FleetDefinition fleet, HostDefinition host, List<DesiredNode> nodes, Dictionary<string, RenderedInterface> nics, Func<RenderedHost> render)
    {
        var inputs = new Inputs(fleet.Settings.Name, host, [.. nodes.Select(n => NodeInputs.Of(n, nics.GetValueOrDefault(n.Name)))]);
        if (_last.TryGetValue(host.Name, out var last) && last.Inputs.Same(inputs))
        {
            return last.Host;
        }

        Interlocked.Increment(ref _rendered);
        var rendered = render();
        _last[host.Name] = (inputs, rendered);
        return rendered;
    }

    /// <summary>What rendering reads of a node and its cluster: all values (strings, records of strings and numbers).</summary>
    private readonly record struct NodeInputs(NodeRef Ref, Resources Size, string Endpoint, string? Vip, string KubernetesVersion, ImageRef Image, string UserDataTemplate, string? Nic)
    {
        public static NodeInputs Of(DesiredNode node, RenderedInterface? nic) =>
            new(node.Ref, node.Size, node.Cluster.ControlPlane.Endpoint, node.Cluster.ControlPlane.Vip, node.Cluster.KubernetesVersion, node.Cluster.Image, node.Cluster.UserDataTemplate, nic?.Describe());
    }

    private sealed record Inputs(string Fleet, HostDefinition Host, NodeInputs[] Nodes)
    {
        // The host's labels are not rendered; its other fields are compared one by one (the record would compare the
        // labels' dictionary by reference).
        public bool Same(Inputs other) =>
            Fleet == other.Fleet
            && Host.Name == other.Host.Name && Host.AgentEndpoint == other.Host.AgentEndpoint && Host.FailureDomain == other.Host.FailureDomain
            && Host.Capacity == other.Host.Capacity && Host.Reserved == other.Host.Reserved
            && Nodes.AsSpan().SequenceEqual(other.Nodes);
    }
}
