using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Kubernetes;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Templates;

namespace LiquidMetal.Fleet.Validation;

/// <summary>
/// Rules that span documents or that a schema cannot say: defaults filled in, names unique (node
/// names included), selectors that select something, reserved within capacity. Rules within one
/// document that a schema can say (a reserved pool name, a metal pool's shape) are in schemas/.
/// </summary>
public static partial class SemanticChecks
{
    /// <summary>The longest a node name may be: it becomes a hostname, one DNS label.</summary>
    public const int MaxNodeNameLength = 63;

    /// <summary>
    /// Checks <paramref name="fleet"/> and returns it with cluster defaults resolved. Selector checks need
    /// every host, so they run only when <paramref name="allHostsLoaded"/>; a reference to a network that is not
    /// there is only an error when <paramref name="allLoaded"/> (a broken network file is not reported twice).
    /// </summary>
    public static (FleetDefinition Fleet, List<Diagnostic> Diagnostics) Run(FleetDefinition fleet, bool allHostsLoaded, bool allLoaded = true)
    {
        var diagnostics = new List<Diagnostic>();
        var sources = fleet.Sources;
        var settings = fleet.Settings;

        Unique(fleet.Hosts.Select(h => (h.Name, h.File)), "host", sources, diagnostics);
        Unique(fleet.Clusters.Select(c => (c.Name, c.File)), "cluster", sources, diagnostics);

        var endpoints = new Dictionary<string, HostDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in fleet.Hosts)
        {
            var allocatable = host.Allocatable;
            if (allocatable.Cpu <= 0 || allocatable.MemoryMiB <= 0)
            {
                diagnostics.Add(new Diagnostic(sources.Find(host.File, "spec.reserved"),
                    $"host {host.Name} reserves {host.Reserved} of its capacity {host.Capacity}, leaving nothing to allocate; reserved must be less than capacity"));
            }

            if (!endpoints.TryAdd(host.AgentEndpoint.TrimEnd('/'), host))
            {
                diagnostics.Add(new Diagnostic(sources.Find(host.File, "spec.agent.endpoint"),
                    $"agent endpoint {host.AgentEndpoint} is also host {endpoints[host.AgentEndpoint.TrimEnd('/')].Name}'s; every host has its own agent"));
            }
        }

        var resolved = ImmutableArray.CreateBuilder<ClusterDefinition>(fleet.Clusters.Length);
        var nodeOwners = new Dictionary<string, (string Cluster, string Pool)>(StringComparer.Ordinal);
        var selections = new Selections(new HostIndex(fleet.Hosts));
        foreach (var cluster in fleet.Clusters)
        {
            var complete = Resolve(cluster, settings, sources, diagnostics);
            resolved.Add(complete);
            CheckPools(complete, sources, diagnostics, nodeOwners);
            if (allHostsLoaded)
            {
                CheckSelectors(complete, selections, sources, diagnostics);
            }
        }

        var (networks, clusters) = CheckNetworks(fleet, resolved.MoveToImmutable(), selections, allHostsLoaded, allLoaded, diagnostics);
        return (fleet with { Clusters = clusters, Networks = networks }, diagnostics);
    }

    private static ClusterDefinition Resolve(ClusterDefinition cluster, FleetSettings settings, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var version = cluster.KubernetesVersion.Length > 0 ? cluster.KubernetesVersion : settings.DefaultKubernetesVersion ?? string.Empty;
        if (version.Length == 0)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec"),
                $"cluster {cluster.Name} has no Kubernetes version: set spec.kubernetes.version, or spec.defaults.kubernetesVersion in {settings.File}"));
        }

        var release = version.Length > 0 ? CheckRelease(cluster, version, settings, sources, diagnostics) : null;
        CheckClusterSubnets(cluster, sources, diagnostics);

        var image = cluster.Image.Kernel.Length > 0 ? cluster.Image : settings.DefaultImage;
        if (image is null)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec"),
                $"cluster {cluster.Name} has no image: set spec.image.kernel and spec.image.initrd, or spec.defaults.image in {settings.File}"));
        }

        if (image is not null && version.Length > 0)
        {
            image = GuestImage(cluster, image, version, release, settings, sources, diagnostics);
        }

        var cp = cluster.ControlPlane;
        var cpDefault = settings.DefaultControlPlaneSize;
        var cpVcpu = cp.Vcpu > 0 ? cp.Vcpu : cpDefault?.Cpu ?? 0;
        var cpMemory = cp.MemoryMiB > 0 ? cp.MemoryMiB : cpDefault?.MemoryMiB ?? 0;
        if (cpVcpu <= 0 || cpMemory <= 0)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.controlPlane"),
                $"cluster {cluster.Name}: the control plane has no size: set spec.controlPlane.vcpu and memoryMiB, or spec.defaults.controlPlane in {settings.File}"));
        }

        var pools = ImmutableArray.CreateBuilder<WorkerPoolSpec>(cluster.WorkerPools.Length);
        for (var i = 0; i < cluster.WorkerPools.Length; i++)
        {
            var pool = cluster.WorkerPools[i];
            if (pool.Mode == PoolMode.Microvm)
            {
                var vcpu = pool.Vcpu > 0 ? pool.Vcpu : settings.DefaultWorkerSize?.Cpu ?? 0;
                var memory = pool.MemoryMiB > 0 ? pool.MemoryMiB : settings.DefaultWorkerSize?.MemoryMiB ?? 0;
                if (vcpu <= 0 || memory <= 0)
                {
                    diagnostics.Add(new Diagnostic(sources.Find(cluster.File, $"spec.workerPools[{i}]"),
                        $"cluster {cluster.Name}: worker pool {pool.Name} has no size: set vcpu and memoryMiB, or spec.defaults.worker in {settings.File}"));
                }

                pool = pool with { Vcpu = vcpu, MemoryMiB = memory };
            }

            pools.Add(pool);
        }

        return cluster with
        {
            KubernetesVersion = version,
            Release = release,
            Image = image ?? cluster.Image,
            ControlPlane = cp with { Vcpu = cpVcpu, MemoryMiB = cpMemory },
            WorkerPools = pools.MoveToImmutable(),
        };
    }

    /// <summary>The release a cluster's version names, for kubeadm to bootstrap (a user-data cluster's version is only a template value).</summary>
    private static KubernetesRelease? CheckRelease(ClusterDefinition cluster, string version, FleetSettings settings, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var release = KubernetesReleases.Find(cluster.Distribution, version, out var problem);
        if (release is null && cluster.Bootstrap == BootstrapMode.Kubeadm)
        {
            var at = cluster.KubernetesVersion.Length > 0 ? sources.Find(cluster.File, "spec.kubernetes.version") : sources.Find(settings.File, "spec.defaults.kubernetesVersion");
            diagnostics.Add(new Diagnostic(at, $"cluster {cluster.Name}: {problem}"));
        }

        return release;
    }

    /// <summary>The variables image paths may use, so one fleet default maps every cluster to the guest image of its release.</summary>
    public static readonly IReadOnlyList<string> ImageVariables = ["kubernetes.distribution", "kubernetes.guestImage", "kubernetes.minor", "kubernetes.version"];

    /// <summary>
    /// The image with <c>{{ kubernetes.guestImage }}</c> (upstream-1.31), <c>{{ kubernetes.minor }}</c> (1.31),
    /// <c>{{ kubernetes.version }}</c> and <c>{{ kubernetes.distribution }}</c> filled in for this cluster's release.
    /// </summary>
    private static ImageRef GuestImage(ClusterDefinition cluster, ImageRef image, string version, KubernetesRelease? release, FleetSettings settings, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var own = cluster.Image.Kernel.Length > 0;
        string? Fill(string? path, string field)
        {
            if (path is null || !path.Contains("{{", StringComparison.Ordinal))
            {
                return path;
            }

            // Where the path was written, asked for only when it is wrong: finding it reads the file's locations.
            SourceLocation At() => own ? sources.Find(cluster.File, "spec.image." + field) : sources.Find(settings.File, "spec.defaults.image." + field);
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["kubernetes.version"] = version,
                ["kubernetes.distribution"] = KubernetesRelease.DistributionName(cluster.Distribution),
            };
            if (release is not null)
            {
                values["kubernetes.minor"] = release.MinorVersion;
                values["kubernetes.guestImage"] = release.GuestImage;
            }

            foreach (var name in UserDataTemplate.Variables(path))
            {
                if (!ImageVariables.Contains(name))
                {
                    diagnostics.Add(new Diagnostic(At(), $"cluster {cluster.Name}: image {field} uses '{{{{ {name} }}}}', which image paths do not have; they have {string.Join(", ", ImageVariables)}"));
                    return path;
                }

                if (!values.ContainsKey(name))
                {
                    diagnostics.Add(new Diagnostic(At(), $"cluster {cluster.Name}: image {field} uses '{{{{ {name} }}}}', but Kubernetes version {version} is not a release this LiquidMetal knows ({KubernetesReleases.Known(cluster.Distribution)})"));
                    return path;
                }
            }

            return UserDataTemplate.Render(path, values);
        }

        return new ImageRef(Fill(image.Kernel, "kernel")!, Fill(image.Initrd, "initrd")!, Fill(image.RootVolume, "rootVolume"));
    }

    /// <summary>Pods and services each get a range of their own, as kubeadm needs them.</summary>
    private static void CheckClusterSubnets(ClusterDefinition cluster, SourceMap sources, List<Diagnostic> diagnostics)
    {
        Ipv4Prefix? Parse(string text, string field)
        {
            if (Ipv4Prefix.TryParse(text, out var prefix, out var problem))
            {
                return prefix;
            }

            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.kubernetes." + field), $"cluster {cluster.Name}: {field} {problem}"));
            return null;
        }

        if (Parse(cluster.PodSubnet, "podSubnet") is { } pods && Parse(cluster.ServiceSubnet, "serviceSubnet") is { } services && pods.Overlaps(services))
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.kubernetes.serviceSubnet"),
                $"cluster {cluster.Name}: serviceSubnet {services} overlaps podSubnet {pods}: give services a range of their own (10.96.0.0/12 is kubeadm's)"));
        }
    }

    private static void CheckPools(ClusterDefinition cluster, SourceMap sources, List<Diagnostic> diagnostics, Dictionary<string, (string Cluster, string Pool)> nodeOwners)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        Claim(cluster, NodeRef.ControlPlanePool, cluster.ControlPlane.Replicas, "spec.controlPlane", sources, diagnostics, nodeOwners);
        for (var i = 0; i < cluster.WorkerPools.Length; i++)
        {
            var pool = cluster.WorkerPools[i];

            // A pool named 'cp' is refused by the schema; one that got here anyway collides with the control plane's node names below.
            if (!seen.TryAdd(pool.Name, i))
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, $"spec.workerPools[{i}].name"), $"worker pool '{pool.Name}' is defined twice in cluster {cluster.Name} (first at spec.workerPools[{seen[pool.Name]}]); pool names must be unique"));
                continue;
            }

            Claim(cluster, pool.Name, pool.Replicas, $"spec.workerPools[{i}]", sources, diagnostics, nodeOwners);
        }
    }

    private static void Claim(ClusterDefinition cluster, string pool, int replicas, string path, SourceMap sources, List<Diagnostic> diagnostics, Dictionary<string, (string Cluster, string Pool)> nodeOwners)
    {
        if (replicas <= 0)
        {
            return;
        }

        var longest = NodeRef.NameOf(cluster.Name, pool, replicas);
        if (longest.Length > MaxNodeNameLength)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, path),
                $"node name {longest} is {longest.Length} characters; node names are hostnames of at most {MaxNodeNameLength}: shorten the cluster or pool name"));
            return;
        }

        for (var ordinal = 1; ordinal <= replicas; ordinal++)
        {
            var name = NodeRef.NameOf(cluster.Name, pool, ordinal);
            if (!nodeOwners.TryAdd(name, (cluster.Name, pool)))
            {
                var owner = nodeOwners[name];
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, path),
                    $"node name {name} is also a node of cluster {owner.Cluster} (pool {owner.Pool}); rename the pool or the cluster so node names stay unique"));
                return;
            }
        }
    }

    private static void CheckSelectors(ClusterDefinition cluster, Selections selections, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var inCluster = selections.Of(cluster.HostSelector);
        if (cluster.HostSelector.Count > 0 && inCluster.Hosts.Count == 0)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.hostSelector"),
                $"cluster {cluster.Name}: hostSelector {Show(cluster.HostSelector)} matches no host"));
            return;
        }

        var cpHosts = inCluster.ControlPlaneHosts;
        if (cpHosts.Count < cluster.ControlPlane.Replicas)
        {
            diagnostics.Add(new Diagnostic(sources.Find(cluster.File, "spec.controlPlane.replicas"),
                $"cluster {cluster.Name}: {cluster.ControlPlane.Replicas} control-plane replicas need as many distinct hosts with role microvm and controlPlaneAllowed: true{Within(cluster)}; {Count(cpHosts)}"));
        }

        for (var i = 0; i < cluster.WorkerPools.Length; i++)
        {
            var pool = cluster.WorkerPools[i];
            if (pool.Replicas == 0)
            {
                continue;
            }

            var selection = selections.Of(cluster.HostSelector, pool.HostSelector);
            var selected = selection.Hosts;
            var role = pool.Mode == PoolMode.Metal ? HostRoles.Metal : HostRoles.Microvm;
            var roleName = pool.Mode == PoolMode.Metal ? "metal" : "microvm";
            var path = pool.HostSelector.Count > 0 ? $"spec.workerPools[{i}].hostSelector" : $"spec.workerPools[{i}]";
            if (selected.Count == 0)
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, path),
                    $"cluster {cluster.Name}: worker pool {pool.Name}: hostSelector {Show(pool.HostSelector)}{Within(cluster)} matches no host"));
                continue;
            }

            var eligible = selection.WithRole(role);
            if (eligible.Count == 0)
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, path),
                    $"cluster {cluster.Name}: worker pool {pool.Name} selects {string.Join(", ", selected.Select(h => h.Name).Take(5))}{(selected.Count > 5 ? ", ..." : string.Empty)}, but none has role {roleName}"));
            }
            else if (pool.Mode == PoolMode.Metal && eligible.Count < pool.Replicas)
            {
                diagnostics.Add(new Diagnostic(sources.Find(cluster.File, $"spec.workerPools[{i}].replicas"),
                    $"cluster {cluster.Name}: metal pool {pool.Name} claims {pool.Replicas} whole hosts, but only {Count(eligible)} selected with role metal"));
            }
        }
    }

    private static string Within(ClusterDefinition cluster) => cluster.HostSelector.Count > 0 ? $" (within the cluster's hostSelector {Show(cluster.HostSelector)})" : string.Empty;

    /// <summary>
    /// The hosts each distinct selector (or pair of cluster and pool selectors) picks, found once: thousands of clusters
    /// that all select the same pool cost one pass over it, not one each.
    /// </summary>
    private sealed class Selections(HostIndex index)
    {
        private readonly Dictionary<string, Selection> _known = new(StringComparer.Ordinal);

        public Selection Of(params ImmutableSortedDictionary<string, string>[] selectors)
        {
            // Labels may hold any text: every part length-prefixed, so two different selectors never share a key.
            var key = string.Concat(selectors.Select(s => $"{s.Count};" + string.Concat(s.Select(kv => $"{kv.Key.Length}:{kv.Key}{kv.Value.Length}:{kv.Value}"))));
            if (!_known.TryGetValue(key, out var selection))
            {
                _known[key] = selection = new Selection([.. index.SelectHosts(selectors)]);
            }

            return selection;
        }
    }

    private sealed class Selection(List<HostDefinition> hosts)
    {
        private List<string>? _controlPlane;
        private List<string>? _microvm;
        private List<string>? _metal;

        public List<HostDefinition> Hosts { get; } = hosts;

        /// <summary>Names of the hosts that may run a control plane.</summary>
        public List<string> ControlPlaneHosts => _controlPlane ??= [.. Hosts.Where(h => h.Roles.HasFlag(HostRoles.Microvm) && h.ControlPlaneAllowed).Select(h => h.Name)];

        public List<string> WithRole(HostRoles role) => role == HostRoles.Metal
            ? _metal ??= Names(HostRoles.Metal)
            : _microvm ??= Names(HostRoles.Microvm);

        private List<string> Names(HostRoles role) => [.. Hosts.Where(h => h.Roles.HasFlag(role)).Select(h => h.Name)];
    }

    private static string Count(List<string> hosts) => hosts.Count switch
    {
        0 => "there is none",
        1 => $"there is 1 ({hosts[0]})",
        <= 8 => $"there are {hosts.Count} ({string.Join(", ", hosts)})",
        _ => $"there are {hosts.Count}",
    };

    private static string Show(ImmutableSortedDictionary<string, string> selector) =>
        selector.Count == 0 ? "{}" : "{" + string.Join(", ", selector.Select(kv => $"{kv.Key}: {kv.Value}")) + "}";

    private static void Unique(IEnumerable<(string Name, string File)> items, string what, SourceMap sources, List<Diagnostic> diagnostics)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, file) in items)
        {
            if (!first.TryAdd(name, file))
            {
                diagnostics.Add(new Diagnostic(sources.Find(file, "metadata.name"), $"{what} {name} is defined twice: here and in {first[name]}"));
            }
        }
    }
}
