using System.Collections.Immutable;
using System.Net;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Scheduling;

/// <summary>A node's addresses on its cluster's network.</summary>
public sealed record NodeAddress(NetworkDefinition Network, Ipv4Address Ipv4, IPAddress? Ipv6);

/// <summary>
/// Gives every microVM node of a cluster with a network an address of that network, as placement gives it a host:
/// <list type="bullet">
/// <item>Stable: a node keeps its previous address while that is still one of its network's node addresses (and no
/// node before it kept the same one); adding, removing or resizing other clusters never renumbers it.</item>
/// <item>New nodes take the lowest free node address, in node order (clusters by name, control plane first). An address
/// a departing node had (removed this time, so its VM may still be running while the new ones start, or frozen in a
/// suspended cluster) is not free yet: it is given out only when nothing else is left.</item>
/// <item>Deterministic. O(nodes + node addresses skipped).</item>
/// </list>
/// The checks have made sure each network has an address for every node on it; metal nodes get none (a whole host
/// keeps its own addressing).
/// </summary>
public static class Addresser
{
    public static ImmutableSortedDictionary<string, NodeAddress> Assign(FleetDefinition fleet, IReadOnlyList<DesiredNode> nodes, IReadOnlyDictionary<string, PlacedNode> previous)
    {
        var networks = fleet.Networks.Where(n => n.Addressing is not null).ToDictionary(n => n.Name, StringComparer.Ordinal);
        var result = ImmutableSortedDictionary.CreateBuilder<string, NodeAddress>(StringComparer.Ordinal);
        if (networks.Count == 0)
        {
            return result.ToImmutable();
        }

        var byNetwork = new Dictionary<string, List<DesiredNode>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (!node.IsMetal && node.Cluster.Network is { } name && networks.ContainsKey(name))
            {
                if (!byNetwork.TryGetValue(name, out var list))
                {
                    byNetwork[name] = list = [];
                }

                list.Add(node);
            }
        }

        var wanted = nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var departing = new List<Ipv4Address>();
        foreach (var (node, before) in previous)
        {
            if (!wanted.Contains(node) && before.Ipv4 is { } text && Ipv4Address.TryParse(text, out var held))
            {
                departing.Add(held);
            }
        }

        foreach (var (name, members) in byNetwork)
        {
            var network = networks[name];
            var addressing = network.Addressing!;
            var taken = new HashSet<Ipv4Address>();
            var waiting = new List<DesiredNode>();
            foreach (var node in members)
            {
                if (previous.TryGetValue(node.Name, out var before) && before.Ipv4 is { } text
                    && Ipv4Address.TryParse(text, out var kept) && addressing.IsNodeAddress(kept) && taken.Add(kept))
                {
                    result[node.Name] = new NodeAddress(network, kept, addressing.Ipv6Of(kept));
                }
                else
                {
                    waiting.Add(node);
                }
            }

            var held = departing.Where(addressing.IsNodeAddress).Order().ToList();
            using var free = FreeAddresses(addressing, taken, [.. held]).Concat(held.Where(h => !taken.Contains(h))).GetEnumerator();
            foreach (var node in waiting)
            {
                if (!free.MoveNext())
                {
                    // The checks count addresses against nodes; a node without one is left for the renderer to render without.
                    break;
                }

                result[node.Name] = new NodeAddress(network, free.Current, addressing.Ipv6Of(free.Current));
            }
        }

        return result.ToImmutable();
    }

    private static IEnumerable<Ipv4Address> FreeAddresses(NetworkAddressing addressing, HashSet<Ipv4Address> taken, HashSet<Ipv4Address> held)
    {
        foreach (var range in addressing.NodeRanges.OrderBy(r => r.First))
        {
            for (var value = (long)range.First.Value; value <= range.Last.Value; value++)
            {
                var address = new Ipv4Address((uint)value);
                if (!taken.Contains(address) && !held.Contains(address) && !addressing.IsReserved(address))
                {
                    yield return address;
                }
            }
        }
    }
}
