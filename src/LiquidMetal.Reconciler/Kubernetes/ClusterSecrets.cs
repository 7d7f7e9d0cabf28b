using System.Text.RegularExpressions;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>
/// Everything kubeadm needs for a cluster that must never sit in Git as plaintext: the three CAs, the
/// service-account key pair and the bootstrap tokens. Printing shows names, expiries and token ids only.
/// </summary>
public sealed partial record ClusterSecrets
{
    private ClusterSecrets(
        string cluster,
        CertificateAuthority clusterCa,
        CertificateAuthority etcdCa,
        CertificateAuthority frontProxyCa,
        ServiceAccountKey serviceAccount,
        IReadOnlyList<BootstrapToken> bootstrapTokens)
    {
        Cluster = cluster;
        ClusterCa = clusterCa;
        EtcdCa = etcdCa;
        FrontProxyCa = frontProxyCa;
        ServiceAccount = serviceAccount;
        BootstrapTokens = bootstrapTokens;
    }

    /// <summary>The cluster these secrets belong to (a DNS label).</summary>
    public string Cluster { get; }

    /// <summary>The cluster CA, CN <c>kubernetes</c>: kubeadm's <c>ca.crt</c> and <c>ca.key</c>.</summary>
    public CertificateAuthority ClusterCa { get; }

    /// <summary>The etcd CA, CN <c>etcd-ca</c>: kubeadm's <c>etcd/ca.crt</c> and <c>etcd/ca.key</c>.</summary>
    public CertificateAuthority EtcdCa { get; }

    /// <summary>The front-proxy CA, CN <c>front-proxy-ca</c>: kubeadm's <c>front-proxy-ca.crt</c> and <c>.key</c>.</summary>
    public CertificateAuthority FrontProxyCa { get; }

    /// <summary>kubeadm's <c>sa.key</c> and <c>sa.pub</c>.</summary>
    public ServiceAccountKey ServiceAccount { get; }

    /// <summary>Bootstrap tokens, oldest first; never empty.</summary>
    public IReadOnlyList<BootstrapToken> BootstrapTokens { get; }

    /// <summary>The token with the latest expiry: the one to hand to a node that joins now.</summary>
    public BootstrapToken NewestToken => BootstrapTokens.MaxBy(token => token.Expires)!;

    /// <summary>kubeadm's <c>--discovery-token-ca-cert-hash</c> for the cluster CA: <c>sha256:&lt;hex&gt;</c>.</summary>
    public string CaCertHash => ClusterCa.PublicKeyHash;

    /// <summary>
    /// kubeadm's file names under <c>/etc/kubernetes/pki</c> and their PEM contents, in a fixed order; the
    /// <c>.key</c> files are private.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> PkiFiles =>
    [
        new("ca.crt", ClusterCa.CertificatePem),
        new("ca.key", ClusterCa.KeyPem),
        new("etcd/ca.crt", EtcdCa.CertificatePem),
        new("etcd/ca.key", EtcdCa.KeyPem),
        new("front-proxy-ca.crt", FrontProxyCa.CertificatePem),
        new("front-proxy-ca.key", FrontProxyCa.KeyPem),
        new("sa.key", ServiceAccount.KeyPem),
        new("sa.pub", ServiceAccount.PublicKeyPem),
    ];

    /// <summary>New secrets for <paramref name="cluster"/>: three CAs, a service-account key and one 24 h token.</summary>
    public static ClusterSecrets Generate(string cluster, DateTimeOffset now)
    {
        RequireClusterName(cluster);
        return new ClusterSecrets(
            cluster,
            CertificateAuthority.Generate("kubernetes", now),
            CertificateAuthority.Generate("etcd-ca", now),
            CertificateAuthority.Generate("front-proxy-ca", now),
            ServiceAccountKey.Generate(),
            [BootstrapToken.Generate(now, BootstrapToken.DefaultTtl)]);
    }

    /// <summary>
    /// Secrets assembled from their parts (as read back from storage); checks the cluster name and that there is
    /// at least one token, with distinct ids.
    /// </summary>
    public static ClusterSecrets Create(
        string cluster,
        CertificateAuthority clusterCa,
        CertificateAuthority etcdCa,
        CertificateAuthority frontProxyCa,
        ServiceAccountKey serviceAccount,
        IEnumerable<BootstrapToken> bootstrapTokens)
    {
        RequireClusterName(cluster);
        var tokens = bootstrapTokens.ToArray();
        if (tokens.Length == 0)
        {
            throw new FormatException("at least one bootstrap token is required");
        }

        if (tokens.Select(token => token.Id).Distinct(StringComparer.Ordinal).Count() != tokens.Length)
        {
            throw new FormatException("bootstrap token ids must be distinct");
        }

        return new ClusterSecrets(cluster, clusterCa, etcdCa, frontProxyCa, serviceAccount, tokens);
    }

    /// <summary>
    /// Renewal: drops expired tokens and adds a fresh one (valid <paramref name="ttl"/>, default 24 h) when the
    /// newest has less than a third of <paramref name="ttl"/> left, so a token handed to a node is good for at
    /// least 8 h of a 24 h TTL. Returns this same instance when nothing needs to change.
    /// </summary>
    public ClusterSecrets WithFreshToken(DateTimeOffset now, TimeSpan? ttl = null)
    {
        var lifetime = ttl ?? BootstrapToken.DefaultTtl;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        var live = BootstrapTokens.Where(token => !token.IsExpiredAt(now)).ToList();
        var newest = live.MaxBy(token => token.Expires);
        var renew = newest is null || newest.Expires - now < lifetime / 3;
        if (!renew && live.Count == BootstrapTokens.Count)
        {
            return this;
        }

        if (renew)
        {
            BootstrapToken fresh;
            do
            {
                fresh = BootstrapToken.Generate(now, lifetime);
            }
            while (live.Any(token => token.Id == fresh.Id));
            live.Add(fresh);
        }

        return new ClusterSecrets(Cluster, ClusterCa, EtcdCa, FrontProxyCa, ServiceAccount, live);
    }

    /// <summary>The versioned plaintext document (UTF-8 JSON) to encrypt and store.</summary>
    public byte[] ToBytes() => ClusterSecretsJson.Write(this);

    /// <summary>
    /// Reads what <see cref="ToBytes"/> wrote. Strict: an unknown apiVersion or kind, a missing or unknown field, or
    /// a key that does not match its certificate throws <see cref="ClusterSecretsFormatException"/>, whose message
    /// names the field and never quotes key material.
    /// </summary>
    public static ClusterSecrets FromBytes(ReadOnlySpan<byte> utf8Json) => ClusterSecretsJson.Read(utf8Json);

    public bool Equals(ClusterSecrets? other) =>
        other is not null
        && Cluster == other.Cluster
        && ClusterCa == other.ClusterCa
        && EtcdCa == other.EtcdCa
        && FrontProxyCa == other.FrontProxyCa
        && ServiceAccount == other.ServiceAccount
        && BootstrapTokens.SequenceEqual(other.BootstrapTokens);

    public override int GetHashCode() => HashCode.Combine(Cluster, ClusterCa, ServiceAccount, BootstrapTokens.Count);

    public override string ToString() =>
        $"ClusterSecrets {{ Cluster={Cluster}, ClusterCa={ClusterCa}, EtcdCa={EtcdCa}, FrontProxyCa={FrontProxyCa}, " +
        $"ServiceAccount={ServiceAccount}, BootstrapTokens=[{string.Join(", ", BootstrapTokens)}] }}";

    internal static void RequireClusterName(string cluster)
    {
        if (cluster is null || !DnsLabel().IsMatch(cluster))
        {
            throw new FormatException("the cluster name must be a DNS label: lowercase letters, digits and '-', at most 63");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\z")]
    private static partial Regex DnsLabel();
}
