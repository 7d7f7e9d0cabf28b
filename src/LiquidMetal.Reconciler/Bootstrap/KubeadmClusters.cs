using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Fleet.Kubernetes;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>
/// The reconciler's part in bootstrapping kubeadm clusters, each pass: keep every cluster's secrets and init choice
/// (<see cref="Decide"/>), fill the secret slots of the specs it is about to send (<see cref="Fill"/>; what goes to Git
/// keeps the slots), and ask each cluster's API for its nodes (<see cref="ProbeAsync"/>), making sure the token it
/// hands to joining nodes exists there.
/// </summary>
/// <param name="probeInterval">How often a cluster's API is asked at most, unless what its VMs run changed: a pass a
/// second while VMs come up must not dial every VIP every second.</param>
public sealed class KubeadmClusters(Func<string, ClusterSecrets, DateTimeOffset, IClusterApi> connect, TimeProvider time, TimeSpan probeInterval)
{

    private const int MaxParallelProbes = 16;

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string Fingerprint, ClusterHealth Health)> _probed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _tokensInCluster = new(StringComparer.Ordinal);

    /// <summary>The kubeadm clusters a pass must keep bootstrap for (a suspended one keeps what it has).</summary>
    public static IReadOnlyList<ClusterDefinition> Of(FleetDefinition fleet) =>
        [.. fleet.Clusters.Where(c => c.Bootstrap == BootstrapMode.Kubeadm && !c.Suspend)];

    /// <summary>
    /// What each kubeadm cluster's bootstrap should be: new secrets for a new cluster, a fresh token when the newest
    /// runs low, the lowest control plane as the one that inits until the cluster's API has answered (as recorded in
    /// status), following that node's rendered spec until then.
    /// </summary>
    public static IReadOnlyDictionary<string, ClusterBootstrap> Decide(
        IReadOnlyDictionary<string, ClusterBootstrap> kept,
        IReadOnlyList<ClusterDefinition> clusters,
        IReadOnlyList<RenderedHost> rendered,
        StatusSnapshot? status,
        DateTimeOffset now)
    {
        var controlPlanes = rendered.SelectMany(h => h.Microvms).Where(vm => vm.Role == RoleNames.ControlPlane)
            .GroupBy(vm => vm.Cluster, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(vm => vm.Id, StringComparer.Ordinal).First(), StringComparer.Ordinal);
        var answered = (status?.Clusters ?? []).Where(c => c.Nodes.Any(n => n.Kubernetes is "Ready" or "NotReady" or "NotRegistered"))
            .Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var wanted = new Dictionary<string, ClusterBootstrap>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            if (!controlPlanes.TryGetValue(cluster.Name, out var first))
            {
                continue; // nothing of it is placed: nothing to bootstrap yet
            }

            var bootstrap = kept.TryGetValue(cluster.Name, out var was)
                ? was with { Secrets = was.Secrets.WithFreshToken(now), Endpoint = cluster.ControlPlane.Endpoint }
                : new ClusterBootstrap(ClusterSecrets.Generate(cluster.Name, now), cluster.ControlPlane.Endpoint, first.Id, first.Hash, Initialized: false);
            if (!bootstrap.Initialized)
            {
                bootstrap = answered.Contains(cluster.Name)
                    ? bootstrap with { Initialized = true }
                    : bootstrap.InitNode == first.Id ? bootstrap with { InitSpecHash = first.Hash } : bootstrap;
            }

            wanted[cluster.Name] = bootstrap;
        }

        return wanted;
    }

    /// <summary>
    /// The hosts with every kubeadm VM's (and metal claim's) secret slots filled, for the agents only: the spec hashes
    /// are those of the slotted specs, so what a host runs compares as before, and nothing filled is ever written to Git.
    /// </summary>
    public static IReadOnlyList<RenderedHost> Fill(IReadOnlyList<RenderedHost> hosts, IReadOnlyDictionary<string, ClusterBootstrap> bootstraps, DateTimeOffset now)
    {
        if (bootstraps.Count == 0)
        {
            return hosts;
        }

        var common = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? ValuesOf(string cluster)
        {
            if (!bootstraps.TryGetValue(cluster, out var bootstrap))
            {
                return null;
            }

            if (!common.TryGetValue(cluster, out var values))
            {
                common[cluster] = values = SlotValues(bootstrap.Secrets, now);
            }

            return values;
        }

        var filled = new List<RenderedHost>(hosts.Count);
        foreach (var host in hosts)
        {
            var changed = false;
            var vms = host.Microvms.Select(vm =>
            {
                if (!vm.UserData.Contains(SecretSlots.Prefix, StringComparison.Ordinal) || ValuesOf(vm.Cluster) is not { } values)
                {
                    return vm;
                }

                changed = true;
                var phase = bootstraps[vm.Cluster].Inits(vm.Id, vm.Hash) ? "init" : "join-control-plane";
                return vm with { UserData = SecretSlots.Fill(vm.UserData, new Dictionary<string, string>(values) { [SecretSlots.ControlPlanePhase] = phase }) };
            }).ToImmutableArray();
            var metal = host.Metal;
            if (metal is not null && metal.UserData.Contains(SecretSlots.Prefix, StringComparison.Ordinal) && ValuesOf(metal.Cluster) is { } metalValues)
            {
                changed = true;
                metal = metal with { UserData = SecretSlots.Fill(metal.UserData, metalValues) };
            }

            filled.Add(changed ? host with { Microvms = vms, Metal = metal } : host);
        }

        return filled;
    }

    /// <summary>Every slot's value but the init phase (which is per node).</summary>
    public static Dictionary<string, string> SlotValues(ClusterSecrets secrets, DateTimeOffset now)
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        var token = secrets.NewestToken;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SecretSlots.ClusterCaCert] = B64(secrets.ClusterCa.CertificatePem),
            [SecretSlots.ClusterCaKey] = B64(secrets.ClusterCa.KeyPem),
            [SecretSlots.EtcdCaCert] = B64(secrets.EtcdCa.CertificatePem),
            [SecretSlots.EtcdCaKey] = B64(secrets.EtcdCa.KeyPem),
            [SecretSlots.FrontProxyCaCert] = B64(secrets.FrontProxyCa.CertificatePem),
            [SecretSlots.FrontProxyCaKey] = B64(secrets.FrontProxyCa.KeyPem),
            [SecretSlots.ServiceAccountKey] = B64(secrets.ServiceAccount.KeyPem),
            [SecretSlots.ServiceAccountPublicKey] = B64(secrets.ServiceAccount.PublicKeyPem),
            [SecretSlots.BootstrapToken] = token.Value,
            [SecretSlots.BootstrapTokenTtl] = Math.Max(60, (long)(token.Expires - now).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "s",
            [SecretSlots.CaCertHash] = secrets.CaCertHash,
        };
    }

    /// <summary>
    /// Each kubeadm cluster's nodes as its API reports them (asked at most every probe interval unless what
    /// runs or the version asked for changed), in parallel with a short timeout each. An API that answers is also given
    /// the version in kubeadm-config and the newest bootstrap token, so a node that joins later finds both there.
    /// </summary>
    /// <param name="fingerprints">Per cluster, what its VMs run now: a change asks again before the interval is up.</param>
    /// <param name="versions">Per cluster, the Kubernetes version the fleet asks for: an API that answers gets it in
    /// kubeadm-config before any control plane of that release joins (kubeadm join reads the cluster's configuration there).</param>
    public async Task<IReadOnlyDictionary<string, ClusterHealth>> ProbeAsync(
        IReadOnlyDictionary<string, ClusterBootstrap> bootstraps,
        IReadOnlyDictionary<string, string> fingerprints,
        IReadOnlyDictionary<string, string> versions,
        ICollection<string> warnings,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var results = new ConcurrentDictionary<string, ClusterHealth>(StringComparer.Ordinal);
        foreach (var gone in _probed.Keys.Where(k => !bootstraps.ContainsKey(k)))
        {
            _probed.TryRemove(gone, out _);
        }

        await Parallel.ForEachAsync(bootstraps, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelProbes, CancellationToken = cancellationToken }, async (pair, token) =>
        {
            var (cluster, bootstrap) = pair;
            var fingerprint = (fingerprints.GetValueOrDefault(cluster) ?? string.Empty) + "@" + versions.GetValueOrDefault(cluster);
            if (_probed.TryGetValue(cluster, out var last) && last.Fingerprint == fingerprint && now - last.At < probeInterval)
            {
                results[cluster] = last.Health;
                return;
            }

            ClusterHealth health;
            try
            {
                using var api = connect(bootstrap.Endpoint, bootstrap.Secrets, now);
                health = ClusterHealth.Answered(await api.NodesAsync(token));
                if (versions.TryGetValue(cluster, out var version))
                {
                    try
                    {
                        if (await api.SetKubeadmVersionAsync(version, token) is { } held && held != version)
                        {
                            Warn($"cluster {cluster}: kubeadm-config now says Kubernetes {version} (it said {held}): control planes of the new release join with it");
                        }
                    }
                    catch (ClusterApiException e)
                    {
                        Warn($"cluster {cluster}: kubeadm-config could not be set to Kubernetes {version} (control planes of that release would join with the old configuration): {e.Message}");
                    }
                }

                var newest = bootstrap.Secrets.NewestToken;
                if (_tokensInCluster.TryAdd(cluster + "/" + newest.Id, 0))
                {
                    try
                    {
                        await api.EnsureBootstrapTokenAsync(newest, token);
                    }
                    catch (ClusterApiException e)
                    {
                        _tokensInCluster.TryRemove(cluster + "/" + newest.Id, out _);
                        Warn($"cluster {cluster}: its bootstrap token {newest.Id} could not be created in the cluster (nodes joining now may be refused until it is): {e.Message}");
                    }
                }
            }
            catch (ClusterApiException e)
            {
                health = ClusterHealth.Unreachable(e.Message);
            }

            _probed[cluster] = (now, fingerprint, health);

            void Warn(string warning)
            {
                lock (warnings)
                {
                    warnings.Add(warning);
                }
            }

            results[cluster] = health;
        });
        return results;
    }
}
