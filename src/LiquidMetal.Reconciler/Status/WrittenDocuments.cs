using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Yaml;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The bytes last written for each status document, reused while the document is the same: at 1,000 hosts a
/// one-cluster change re-serialized 3,000 unchanged documents, and the commit hashed them all again (CommitWriter does
/// not hash the same array twice). One per reconciler, kept across its passes. Documents are compared field by field
/// and arrays item by item; a field added to a document later is compared by the record itself, so at worst an
/// unchanged document is written again, never a changed one skipped.
/// It also keeps, per host and per cluster, what the last compose made of its inputs (<see cref="HostPart"/>,
/// <see cref="ClusterPart"/>), so that a pass where one host's report changed builds that host's and its clusters'
/// documents, not 3,000 of them.
/// </summary>
public sealed class WrittenDocuments
{
    private readonly ConcurrentDictionary<string, (object Document, byte[] Bytes)> _last = new(StringComparer.Ordinal);

    // Replaced whole by each compose (never changed once published), so hosts and clusters that left the fleet go too.
    private volatile Dictionary<string, HostPart> _hostParts = new(StringComparer.Ordinal);
    private volatile Dictionary<string, ClusterPart> _clusterParts = new(StringComparer.Ordinal);

    internal IReadOnlyDictionary<string, HostPart> HostParts => _hostParts;

    internal IReadOnlyDictionary<string, ClusterPart> ClusterParts => _clusterParts;

    // The hosts last asked about in NoNodeTwice, and the answer.
    private volatile NodesOnce _nodesOnce = new([], true);

    internal void Remember(Dictionary<string, HostPart> hosts, Dictionary<string, ClusterPart> clusters) =>
        (_hostParts, _clusterParts) = (hosts, clusters);

    /// <summary>
    /// Whether no VM and no metal node is in two of these hosts' specs. Placement puts a node on one host, but a departed
    /// host's or an untouched host's earlier spec may still name a node placed elsewhere now. Told again only when the
    /// hosts are not the very objects of the last ask (a compiled revision's hosts are the same objects pass after pass).
    /// </summary>
    internal bool NoNodeTwice(IReadOnlyList<RenderedHost> rendered)
    {
        var last = _nodesOnce;
        if (last.Hosts.Length == rendered.Count && Enumerable.Range(0, rendered.Count).All(i => ReferenceEquals(last.Hosts[i], rendered[i])))
        {
            return last.Once;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var once = rendered.All(h => h.Microvms.All(vm => seen.Add(vm.Id)) && (h.Metal is not { } metal || seen.Add(metal.Node)));
        _nodesOnce = new NodesOnce([.. rendered], once);
        return once;
    }

    /// <summary>
    /// The document last written at <paramref name="path"/> when <paramref name="same"/> says this one has not changed,
    /// else this one. A pass's status snapshot is kept until the next pass: holding the instances already kept, not a
    /// fresh copy of 3,000 unchanged documents, leaves the copies to die young instead of being promoted each pass.
    /// </summary>
    public T Kept<T>(string path, T document, Func<T, T, bool> same)
        where T : class =>
        _last.TryGetValue(path, out var last) && last.Document is T before && (ReferenceEquals(before, document) || same(before, document)) ? before : document;

    /// <summary>The bytes of <paramref name="kept"/>, what <see cref="Kept"/> gave for <paramref name="path"/>: the last ones when it is the document last written there.</summary>
    public byte[] Bytes<T>(string path, T kept, Func<T, string> write)
        where T : class
    {
        if (_last.TryGetValue(path, out var last) && ReferenceEquals(last.Document, kept))
        {
            return last.Bytes;
        }

        var bytes = Encoding.UTF8.GetBytes(write(kept));
        _last[path] = (kept, bytes);
        return bytes;
    }

    /// <summary>
    /// <paramref name="text"/> as UTF-8: the bytes last written at <paramref name="path"/> when the same, else new ones.
    /// For a whole-fleet view (the README, the capacity map), cheaper to write again than to compare as documents, but
    /// not worth hashing again when the same. Encoded chunk by chunk into a pooled buffer: at 1,000 hosts the map is
    /// 260 KB, and a string and an array of that size each pass are large-object allocations that cost gen-2 collections.
    /// </summary>
    public byte[] Same(string path, StringBuilder text)
    {
        var (buffer, at) = Utf8Text.Rent(text);
        try
        {
            if (_last.TryGetValue(path, out var last) && last.Bytes.AsSpan().SequenceEqual(buffer.AsSpan(0, at)))
            {
                return last.Bytes;
            }

            var bytes = buffer.AsSpan(0, at).ToArray();
            _last[path] = (bytes, bytes);
            return bytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// A host's status document and its nodes' statuses (in the host's rendered order, each with its cluster), as one
/// compose made them from the host's rendered spec and its agent's observation. A compose against the status that held
/// this very document, with the same inputs, would make it again: it takes it as it is.
/// </summary>
/// <param name="OwnReports">Every VM's and the metal assignment's state came from this host's own report, or from no report.</param>
internal sealed record HostPart(
    RenderedHost Rendered, ObservedHost? Observation, bool OwnReports, HostStatusDocument Document, (string Cluster, NodeStatus Node)[] Nodes)
{
    /// <summary>
    /// Whether these inputs give this part. A node's state may come from another host's report (a VM that moved and
    /// still runs where it was): only a part whose states all came from its own host's report can be reused.
    /// </summary>
    public bool Gives(RenderedHost rendered, ObservedHost? observation, HostStatusDocument? before, bool ownReports) =>
        OwnReports && ownReports && ReferenceEquals(Rendered, rendered) && before is not null && ReferenceEquals(before, Document)
        && SameObservation(Observation, observation);

    private static bool SameObservation(ObservedHost? a, ObservedHost? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null && a.Host == b.Host && a.Error == b.Error && a.Offered == b.Offered && SameReport(a.Report, b.Report));

    private static bool SameReport(HostReport? a, HostReport? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null && a.Host == b.Host && a.ObservedGeneration == b.ObservedGeneration && a.SpecHash == b.SpecHash
            && a.Capacity == b.Capacity && a.Allocated == b.Allocated && a.Metal == b.Metal && a.Vms.AsSpan().SequenceEqual(b.Vms.AsSpan()));
}

/// <summary>A cluster's status document as one compose made it from its nodes' statuses (in the order the hosts gave them), its Kubernetes health and its rollout.</summary>
internal sealed record ClusterPart(
    ClusterDefinition Cluster, NodeStatus[] Nodes, ClusterHealth? Health, string? Halted, ClusterStatusDocument Document)
{
    /// <summary>The document's <see cref="ClusterStatusDocument.Summary"/>, for the commit message: made once, not each pass.</summary>
    public string Summary { get; } = Document.Summary;

    /// <summary>Whether these inputs give this part: the same node statuses (the very instances a reused host part holds), health and rollout, against a status holding this document.</summary>
    public bool Gives(ClusterDefinition cluster, List<NodeStatus> nodes, ClusterHealth? health, string? halted, ClusterStatusDocument? before)
    {
        // Of its definition, a cluster's document reads only its name and whether it is suspended; a new revision's
        // load makes new definitions of unchanged clusters.
        if (Cluster.Name != cluster.Name || Cluster.Suspend != cluster.Suspend || before is null || !ReferenceEquals(before, Document) || Halted != halted || !SameHealth(Health, health) || Nodes.Length != nodes.Count)
        {
            return false;
        }

        for (var i = 0; i < Nodes.Length; i++)
        {
            if (!ReferenceEquals(Nodes[i], nodes[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameHealth(ClusterHealth? a, ClusterHealth? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Error != b.Error || a.Nodes.Count != b.Nodes.Count)
        {
            return false;
        }

        using var x = a.Nodes.GetEnumerator();
        using var y = b.Nodes.GetEnumerator();
        while (x.MoveNext() && y.MoveNext())
        {
            if (x.Current.Key != y.Current.Key || x.Current.Value != y.Current.Value)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Hosts' specs, and whether any node is in two of them.</summary>
internal sealed record NodesOnce(RenderedHost[] Hosts, bool Once);
