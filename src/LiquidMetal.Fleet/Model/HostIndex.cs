using System.Collections.Immutable;

namespace LiquidMetal.Fleet.Model;

/// <summary>
/// Hosts by label, so a selector costs the size of its smallest label's host list instead of a scan of the
/// fleet (10,000 clusters × 5,000 hosts would otherwise be 50 million label checks).
/// </summary>
public sealed class HostIndex
{
    private readonly ImmutableArray<HostDefinition> _hosts;
    private readonly Dictionary<(string Key, string Value), List<int>> _byLabel = [];

    public HostIndex(ImmutableArray<HostDefinition> hosts)
    {
        _hosts = hosts;
        for (var i = 0; i < hosts.Length; i++)
        {
            foreach (var label in hosts[i].Labels)
            {
                if (!_byLabel.TryGetValue((label.Key, label.Value), out var list))
                {
                    _byLabel[(label.Key, label.Value)] = list = [];
                }

                list.Add(i);
            }
        }
    }

    /// <summary>Indexes (in the fleet's host order) of the hosts that carry every label of every selector.</summary>
    public IEnumerable<int> Select(params ImmutableSortedDictionary<string, string>[] selectors)
    {
        List<int>? smallest = null;
        foreach (var selector in selectors)
        {
            foreach (var (key, value) in selector)
            {
                if (!_byLabel.TryGetValue((key, value), out var list))
                {
                    return [];
                }

                if (smallest is null || list.Count < smallest.Count)
                {
                    smallest = list;
                }
            }
        }

        if (smallest is null)
        {
            return Enumerable.Range(0, _hosts.Length);
        }

        return smallest.Where(i => selectors.All(s => Matches(_hosts[i], s)));
    }

    /// <summary>The hosts themselves, for <see cref="Select"/>.</summary>
    public IEnumerable<HostDefinition> SelectHosts(params ImmutableSortedDictionary<string, string>[] selectors) => Select(selectors).Select(i => _hosts[i]);

    public static bool Matches(HostDefinition host, ImmutableSortedDictionary<string, string> selector)
    {
        foreach (var (key, value) in selector)
        {
            if (!host.Labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }
}
