using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Rollout;
using LiquidMetal.Reconciler.Status.Pages;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The status branch's files for one reconcile: status/fleet.yaml, status/clusters/*, status/hosts/*, rendered/hosts/*,
/// the README.md and status/capacity.svg people read in a Git web UI, and the commit message. Deterministic, and free of "now": a condition keeps the time it last changed, so an
/// unchanged fleet gives byte-identical files and the writer makes no commit.
/// </summary>
public static class StatusComposer
{
    // A host's rendered document, kept as long as its (immutable) host object lives: the compiled fleet is reused by
    // every pass over the same revision, so its 5 MB of rendered YAML at 200 hosts is written once, not every pass.
    private static readonly ConditionalWeakTable<RenderedHost, byte[]> RenderedText = [];

    /// <summary>A valid revision, rendered and (as far as the agents answered) applied.</summary>
    public static StatusCommit Compose(
        string revision,
        FleetDefinition fleet,
        IReadOnlyList<RenderedHost> rendered,
        IReadOnlyDictionary<string, ObservedHost> observed,
        StatusSnapshot? previous,
        DateTimeOffset now,
        RolloutShape? rollout = null,
        WrittenDocuments? written = null,
        IReadOnlyDictionary<string, ClusterHealth>? kubernetes = null)
    {
        written ??= new WrittenDocuments();
        var heldBack = rollout?.HeldBack ?? 0;
        var untouched = rollout?.Untouched.Count ?? 0;
        var halted = rollout?.Halted ?? ImmutableSortedDictionary<string, string>.Empty;
        // Documents are built here and serialized at the end, in parallel: YAML writing is most of the cost.
        var pending = new List<(string Path, Func<byte[]> Write)>(rendered.Count * 2 + fleet.Clusters.Length + 1);
        // Each VM's state by id, from whichever report names it. In the usual case every report lists exactly its own
        // host's rendered VMs: no VM is in two reports, and only the hosts whose documents are built again below need
        // theirs looked up (at 1,000 hosts, filling it with all 20,000 was a sixth of a one-VM change's compose).
        var ownOnly = written.NoNodeTwice(rendered) && EveryReportIsItsHosts(rendered, observed);
        var vmState = new Dictionary<string, (string Host, VmReport Vm)>(ownOnly ? 0 : observed.Values.Sum(o => o.Report?.Vms.Length ?? 0), StringComparer.Ordinal);
        var metalState = new Dictionary<string, (string Host, MetalReport Metal)>(StringComparer.Ordinal);
        var contested = false; // some VM or metal node is in more than one host's report (one moving, or a departed host's)
        foreach (var (host, observation) in observed)
        {
            foreach (var vm in ownOnly ? [] : observation.Report?.Vms ?? [])
            {
                ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(vmState, vm.Id, out var twice);
                state = (host, vm);
                contested |= twice;
            }

            if (observation.Report?.Metal is { } metal)
            {
                ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(metalState, metal.Node, out var twice);
                state = (host, metal);
                contested |= twice;
            }
        }

        // Each host's documents, and every node under its cluster, in one pass over the hosts. A host whose inputs are
        // those the last compose had gives what it gave then (at 1,000 hosts, rebuilding and comparing every document was
        // most of a one-VM change's compose).
        var previousHosts = FirstByName(previous?.Hosts ?? [], h => h.Name);
        var nodesOf = new Dictionary<string, List<NodeStatus>>(StringComparer.Ordinal);
        var hostDocuments = new List<HostStatusDocument>(rendered.Count);
        var lastHostParts = written.HostParts;
        var hostParts = new Dictionary<string, HostPart>(rendered.Count, StringComparer.Ordinal);
        foreach (var host in rendered)
        {
            pending.Add(($"rendered/hosts/{host.Host}.yaml", () => RenderedText.GetValue(host, RenderedHostYaml.Utf8)));
            var observation = observed.GetValueOrDefault(host.Host);
            var before = previousHosts.GetValueOrDefault(host.Host);
            var ownReports = OwnReports(host, observation?.Report, contested, vmState, metalState);
            var part = lastHostParts.TryGetValue(host.Host, out var last) && last.Gives(host, observation, before, ownReports)
                ? last
                : ComposeHost(host, observation, before, ownReports, ownOnly ? WithOwn(vmState, host.Host, observation) : vmState, metalState, now, written);
            hostParts.TryAdd(host.Host, part);
            hostDocuments.Add(part.Document);
            var hostPath = $"status/hosts/{host.Host}.yaml";
            pending.Add((hostPath, () => written.Bytes(hostPath, part.Document, StatusYaml.Write)));
            foreach (var (cluster, node) in part.Nodes)
            {
                NodesOf(nodesOf, cluster).Add(node);
            }
        }

        var previousClusters = FirstByName(previous?.Clusters ?? [], c => c.Name);
        var clusters = new List<ClusterStatusDocument>();
        var summaries = new List<string>();
        var lastClusterParts = written.ClusterParts;
        var clusterParts = new Dictionary<string, ClusterPart>(fleet.Clusters.Length, StringComparer.Ordinal);
        var allApplied = rendered.All(h => observed.GetValueOrDefault(h.Host)?.Report?.SpecHash == h.SpecHash);
        foreach (var cluster in fleet.Clusters)
        {
            var nodes = nodesOf.GetValueOrDefault(cluster.Name) ?? [];
            var health = kubernetes?.GetValueOrDefault(cluster.Name);
            var stopped = halted.GetValueOrDefault(cluster.Name);
            var before = previousClusters.GetValueOrDefault(cluster.Name);
            var clusterPath = $"status/clusters/{cluster.Name}.yaml";
            var part = lastClusterParts.TryGetValue(cluster.Name, out var last) && last.Gives(cluster, nodes, health, stopped, before)
                ? last
                : new ClusterPart(cluster, [.. nodes], health, stopped, written.Kept(clusterPath, ComposeCluster(cluster, nodes, health, stopped, before, now), SameCluster));
            clusterParts.TryAdd(cluster.Name, part);
            var document = part.Document;
            clusters.Add(document);
            summaries.Add(part.Summary);
            pending.Add((clusterPath, () => written.Bytes(clusterPath, document, StatusYaml.Write)));
        }

        written.Remember(hostParts, clusterParts);

        var unreachable = rendered.Where(h => observed.GetValueOrDefault(h.Host)?.Reachable != true).Select(h => h.Host).ToList();
        var converged = unreachable.Count == 0 && allApplied && heldBack == 0 && untouched == 0 && clusters.All(c => c.Phase is "Ready" or "Suspended");
        var fleetBefore = previous?.Fleet;
        var fleetDocument = new FleetStatusDocument(
            revision,
            revision,
            allApplied && heldBack == 0 && untouched == 0 ? revision : fleetBefore?.AppliedRevision,
            [
                Keep(fleetBefore?.Conditions, new Condition("Ready", converged, converged ? "Converged" : "NotConverged", converged ? "every host runs revision " + Short(revision) : "converging on " + Short(revision), now)),
                Keep(fleetBefore?.Conditions, new Condition("Reconciling", !converged, Reconciling(converged, halted, heldBack, untouched), ReconcilingMessage(converged, halted, heldBack, untouched, clusters), now)),
                Keep(fleetBefore?.Conditions, new Condition("Stalled", unreachable.Count > 0, unreachable.Count > 0 ? "HostsUnreachable" : "NotStalled", unreachable.Count > 0 ? "unreachable: " + string.Join(", ", unreachable) : string.Empty, now)),
            ],
            []);
        pending.Add(("status/fleet.yaml", () => Encoding.UTF8.GetBytes(StatusYaml.Write(fleetDocument))));

        // The documents as a snapshot of the commit to be, in the order a read of it gives, so the next pass need not read it back.
        var snapshot = new StatusSnapshot(string.Empty, fleetDocument, [.. clusters.OrderBy(c => c.Name + ".yaml", StringComparer.Ordinal)], [.. hostDocuments.OrderBy(h => h.Name + ".yaml", StringComparer.Ordinal)]);

        // What people read in a browser, from the same documents. First, so that the two longest jobs start first.
        pending.InsertRange(0, [
            (CapacityMap.Path, () =>
            {
                var sites = MapSites.Of(fleet, rendered, hostDocuments.DistinctBy(h => h.Name).ToDictionary(h => h.Name, StringComparer.Ordinal), clusters);
                return written.Same(CapacityMap.Path, CapacityMap.Build(fleet.Settings.Name, sites));
            }),
            (StatusReadme.Path, () => written.Same(StatusReadme.Path, StatusReadme.Build(fleet.Settings.Name, fleetDocument, snapshot.Clusters, snapshot.Hosts, map: true))),
        ]);

        var bytes = new byte[pending.Count][];
        Parallel.For(0, pending.Count, i => bytes[i] = pending[i].Write());
        var files = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, pending.Select((p, i) => KeyValuePair.Create(p.Path, bytes[i])));
        var summary = clusters.Count == 0 ? "no clusters" : string.Join(", ", summaries);
        return new StatusCommit(files, Message(summary, revision), converged)
        {
            Snapshot = snapshot,
            Rendered = [.. rendered.OrderBy(h => h.Host + ".yaml", StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// A rejected revision: only status/fleet.yaml (its errors) and the README that shows it change; what runs and what
    /// it reported stay as they were, capacity map included.
    /// </summary>
    /// <param name="fleet">The fleet's name as last applied (the rejected revision's own may be what is wrong); null when not known.</param>
    public static StatusCommit Rejected(
        string revision, IReadOnlyList<Diagnostic> errors, StatusSnapshot? previous, ImmutableSortedDictionary<string, byte[]> previousFiles, DateTimeOffset now, string? fleet = null)
    {
        var before = previous?.Fleet;
        var document = new FleetStatusDocument(
            revision,
            before?.RenderedRevision,
            before?.AppliedRevision,
            [
                Keep(before?.Conditions, new Condition("Ready", false, "RevisionRejected", $"revision {Short(revision)} is invalid; {Short(before?.AppliedRevision)} stays applied", now)),
                Keep(before?.Conditions, new Condition("Reconciling", false, "RevisionRejected", string.Empty, now)),
                Keep(before?.Conditions, new Condition("Stalled", true, "RevisionRejected", $"{errors.Count} error(s) in revision {Short(revision)}", now)),
            ],
            [.. errors.Select(e => e.ToString())]);
        var readme = StatusReadme.Write(fleet, document, previous?.Clusters ?? [], previous?.Hosts ?? [], map: previousFiles.ContainsKey(CapacityMap.Path));
        var files = previousFiles
            .SetItem("status/fleet.yaml", Encoding.UTF8.GetBytes(StatusYaml.Write(document)))
            .SetItem(StatusReadme.Path, Encoding.UTF8.GetBytes(readme));
        return new StatusCommit(files, Message($"rejected {Short(revision)}: {errors.Count} error(s)", revision), Converged: false);
    }

    /// <summary>A host's status document and its nodes' statuses, from its rendered spec and what its agent (and, for a node, any agent) reported.</summary>
    private static HostPart ComposeHost(
        RenderedHost host,
        ObservedHost? observation,
        HostStatusDocument? before,
        bool ownReports,
        Dictionary<string, (string Host, VmReport Vm)> vmState,
        Dictionary<string, (string Host, MetalReport Metal)> metalState,
        DateTimeOffset now,
        WrittenDocuments written)
    {
        var report = observation?.Report;
        var offered = observation?.Offered;
        HostStatusDocument document = new(
            host.Host,
            observation?.Reachable == true,
            observation?.Error,
            offered ?? host.Capacity,
            report?.Allocated ?? Resources.Zero,
            report?.ObservedGeneration ?? 0,
            [.. (report?.Vms ?? []).OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => new VmStatusEntry(v.Id, v.Cluster, v.Phase.ToString(), v.Since, Empty(v.Reason), v.Restarts))])
        {
            Conditions = offered is { } agent
                ? [Keep(before?.Conditions, CapacityCondition.Of(agent, host.Capacity, host.Allocated, now))]
                : [],
        };
        document = written.Kept($"status/hosts/{host.Host}.yaml", document, SameHost);

        // A node on a host whose agent did not answer is Unknown (it may well run), not Pending.
        var notSeen = observation?.Report is null && observation?.Error is not null ? "Unknown" : "Pending";
        var nodes = new (string Cluster, NodeStatus Node)[host.Microvms.Length + (host.Metal is null ? 0 : 1)];
        for (var i = 0; i < host.Microvms.Length; i++)
        {
            var vm = host.Microvms[i];
            var node = vmState.TryGetValue(vm.Id, out var seen) && seen.Vm.Hash == vm.Hash
                ? new NodeStatus(vm.Id, vm.Role, host.Host, seen.Vm.Phase.ToString(), seen.Vm.Since, Empty(seen.Vm.Reason))
                : new NodeStatus(vm.Id, vm.Role, host.Host, notSeen, null, Unreached(observation));
            nodes[i] = (vm.Cluster, vm.Interfaces.IsDefaultOrEmpty || vm.Interfaces[0].Addresses.IsEmpty ? node : node with { Addresses = vm.Interfaces[0].Addresses });
        }

        if (host.Metal is { } metal)
        {
            nodes[^1] = (metal.Cluster, metalState.TryGetValue(metal.Node, out var seen) && seen.Metal.Hash == metal.Hash
                ? new NodeStatus(metal.Node, RoleNames.Metal, host.Host, seen.Metal.Phase.ToString(), seen.Metal.Since, Empty(seen.Metal.Reason))
                : new NodeStatus(metal.Node, RoleNames.Metal, host.Host, notSeen, null, Unreached(observation)));
        }

        return new HostPart(host, observation, ownReports, document, nodes);
    }

    /// <summary>
    /// Whether every report lists exactly its host's rendered VMs, in order, and its metal node, and only rendered hosts
    /// reported: with no node in two hosts' specs, no node is then in two reports, and each one's state is in its own
    /// host's report.
    /// </summary>
    private static bool EveryReportIsItsHosts(IReadOnlyList<RenderedHost> rendered, IReadOnlyDictionary<string, ObservedHost> observed)
    {
        var reporters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in rendered)
        {
            if (observed.GetValueOrDefault(host.Host)?.Report is not { } report)
            {
                continue;
            }

            reporters.Add(host.Host);
            if (report.Metal?.Node != host.Metal?.Node || !ListsItsVms(host, report))
            {
                return false;
            }
        }

        // A report from a host not rendered (a departed one's, no longer told) may name anything.
        return reporters.Count == observed.Values.Count(o => o.Report is not null);
    }

    /// <summary>The states of <paramref name="host"/>'s own VMs added to <paramref name="vmState"/> (no other report names them), for the one host built again.</summary>
    private static Dictionary<string, (string Host, VmReport Vm)> WithOwn(Dictionary<string, (string Host, VmReport Vm)> vmState, string host, ObservedHost? observation)
    {
        foreach (var vm in observation?.Report?.Vms ?? [])
        {
            vmState[vm.Id] = (host, vm);
        }

        return vmState;
    }

    /// <summary>Whether the report lists exactly the host's rendered VMs (both are sorted by id).</summary>
    private static bool ListsItsVms(RenderedHost host, HostReport report)
    {
        if (report.Vms.Length != host.Microvms.Length)
        {
            return false;
        }

        for (var i = 0; i < host.Microvms.Length; i++)
        {
            if (report.Vms[i].Id != host.Microvms[i].Id)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every VM's and the metal assignment's state, as this compose sees them, came from this host's own report (or from none).</summary>
    private static bool OwnReports(
        RenderedHost host, HostReport? report, bool contested, Dictionary<string, (string Host, VmReport Vm)> vmState, Dictionary<string, (string Host, MetalReport Metal)> metalState)
    {
        // The usual case, told without a lookup per VM: the report lists exactly the rendered VMs, and no other report names any.
        if (!contested && report is not null && (host.Metal is null || report.Metal?.Node == host.Metal.Node) && ListsItsVms(host, report))
        {
            return true;
        }

        foreach (var vm in host.Microvms)
        {
            if (vmState.TryGetValue(vm.Id, out var seen) && seen.Host != host.Host)
            {
                return false;
            }
        }

        return host.Metal is not { } metal || !metalState.TryGetValue(metal.Node, out var claimed) || claimed.Host == host.Host;
    }

    /// <summary>A cluster's status document from its nodes' statuses (sorted by name), its Kubernetes health and its rollout.</summary>
    /// <param name="gathered">The cluster's nodes in the order the hosts gave them.</param>
    private static ClusterStatusDocument ComposeCluster(ClusterDefinition cluster, List<NodeStatus> gathered, ClusterHealth? health, string? stopped, ClusterStatusDocument? before, DateTimeOffset now)
    {
        // Beside each VM's state, its Node's: a kubeadm cluster is Ready only when its API says every node is.
        var nodes = health is null ? [.. gathered] : gathered.ConvertAll(n => n with
        {
            Kubernetes = !health.DidAnswer ? "Unknown" : health.Nodes.TryGetValue(n.Name, out var node) ? ClusterHealth.StateOf(node) : "NotRegistered",
        });
        nodes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var ready = nodes.All(n => n.State is "Running" or "Ready") && (health is null || nodes.All(n => n.Kubernetes == "Ready"));
        var failed = nodes.Where(n => n.State == "Failed").Select(n => n.Name).ToList();
        var unknown = nodes.Any(n => n.State == "Unknown");
        var phase = cluster.Suspend ? "Suspended" : ready ? "Ready" : failed.Count > 0 ? "Degraded" : unknown ? "Unknown" : "Provisioning";
        var (stalled, stalledReason, stalledMessage) = stopped is not null
            ? (true, "RolloutHalted", $"control plane {stopped} failed running the spec it should run; the other control planes keep theirs until that is fixed")
            : failed.Count > 0 ? (true, "NodesFailed", "failed: " + string.Join(", ", failed))
            : (false, "NotStalled", string.Empty);
        var running = nodes.Count(n => n.State is "Running" or "Ready");
        var readyCondition = health is null || running < nodes.Count
            ? new Condition("Ready", ready, ready ? "AllNodesRunning" : "NodesNotRunning", $"{running}/{nodes.Count} nodes running", now)
            : !health.DidAnswer ? new Condition("Ready", false, "ApiUnreachable", $"{running}/{nodes.Count} nodes running; the Kubernetes API did not answer: {health.Error}", now)
            : new Condition("Ready", ready, ready ? "AllNodesReady" : "NodesNotReady", $"{nodes.Count(n => n.Kubernetes == "Ready")}/{nodes.Count} nodes Ready in Kubernetes"
                + (ready ? string.Empty : " (not: " + string.Join(", ", nodes.Where(n => n.Kubernetes != "Ready").Select(n => $"{n.Name} {n.Kubernetes}")) + ")"), now);
        var conditions = ImmutableArray.Create(
            Keep(before?.Conditions, readyCondition),
            Keep(before?.Conditions, new Condition("Reconciling", !ready && !stalled, ready ? "Converged" : unknown ? "HostsUnreachable" : "Converging",
                ready ? "every node runs its current spec" : unknown ? "some nodes' hosts did not answer" : "nodes are being created or replaced", now)),
            Keep(before?.Conditions, new Condition("Stalled", stalled, stalledReason, stalledMessage, now)));
        return new ClusterStatusDocument(cluster.Name, phase, conditions, [.. nodes]);
    }

    // Field by field, the arrays item by item (a record compares an ImmutableArray by reference).
    private static bool SameHost(HostStatusDocument a, HostStatusDocument b) =>
        a.Vms.SequenceEqual(b.Vms) && a.Conditions.SequenceEqual(b.Conditions) && a == b with { Vms = a.Vms, Conditions = a.Conditions };

    private static bool SameCluster(ClusterStatusDocument a, ClusterStatusDocument b) =>
        a.Conditions.SequenceEqual(b.Conditions) && a.Nodes.SequenceEqual(b.Nodes) && a == b with { Conditions = a.Conditions, Nodes = a.Nodes };

    private static string Message(string summary, string revision) => $"{summary}\n\nFleet-Revision: {revision}\n";

    /// <summary>The new condition, but with the old time when nothing about it changed.</summary>
    private static Condition Keep(ImmutableArray<Condition>? before, Condition now)
    {
        var old = before?.FirstOrDefault(c => c.Type == now.Type);
        return old is not null && old.Status == now.Status && old.Reason == now.Reason && old.Message == now.Message ? old : now;
    }

    private static string Reconciling(bool converged, ImmutableSortedDictionary<string, string> halted, int heldBack, int untouched) =>
        converged ? "Converged" : halted.Count > 0 ? "RolloutHalted" : heldBack > 0 ? "RollingControlPlanes" : untouched > 0 ? "HostsLeftAsTheyAre" : "Applying";

    private static string ReconcilingMessage(bool converged, ImmutableSortedDictionary<string, string> halted, int heldBack, int untouched, List<ClusterStatusDocument> clusters) =>
        converged ? string.Empty
        : halted.Count > 0 ? "control-plane rollout halted in " + string.Join(", ", halted.Keys) + " (a control plane failed running the spec it should run)"
        : heldBack > 0 ? $"{heldBack} control-plane replacement(s) waiting their turn"
        : untouched > 0 ? $"{untouched} host(s) left as they are: no spec they were told before matches what they run"
        : $"{clusters.Count(c => c.Phase is not "Ready" and not "Suspended")} cluster(s) not ready";

    /// <summary>Each document by name, the first of two with one name (as a read of the branch in path order gives).</summary>
    private static Dictionary<string, T> FirstByName<T>(ImmutableArray<T> documents, Func<T, string> name)
    {
        var byName = new Dictionary<string, T>(documents.Length, StringComparer.Ordinal);
        foreach (var document in documents)
        {
            byName.TryAdd(name(document), document);
        }

        return byName;
    }

    private static List<NodeStatus> NodesOf(Dictionary<string, List<NodeStatus>> nodesOf, string cluster)
    {
        if (!nodesOf.TryGetValue(cluster, out var nodes))
        {
            nodesOf[cluster] = nodes = [];
        }

        return nodes;
    }

    private static string? Unreached(ObservedHost? observation) =>
        observation?.Error ?? (observation?.Report is null ? "agent not asked yet" : "not applied yet");

    private static string? Empty(string text) => text.Length == 0 ? null : text;

    private static string Short(string? revision) => revision is null ? "nothing" : revision[..Math.Min(12, revision.Length)];
}
