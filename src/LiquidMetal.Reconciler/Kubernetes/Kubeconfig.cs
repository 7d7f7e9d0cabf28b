using System.Text;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>kubeconfig files for a cluster, with the credentials embedded (no files beside them).</summary>
public static class Kubeconfig
{
    /// <summary>The admin user's name (the certificate's CN).</summary>
    public const string AdminUser = "liquidmetal-admin";

    /// <summary>
    /// The admin's group. <c>system:masters</c> is allowed everything by the API server before RBAC is consulted,
    /// so the kubeconfig works the moment the API server answers, before kubeadm or anyone has created a
    /// ClusterRoleBinding. The price: it cannot be revoked short of replacing the CA, hence the short validity.
    /// </summary>
    public const string AdminGroup = "system:masters";

    /// <summary>How long an admin kubeconfig's client certificate is valid unless told otherwise.</summary>
    public static TimeSpan DefaultAdminValidity { get; } = TimeSpan.FromDays(365);

    /// <summary>
    /// kubeconfig YAML for <paramref name="cluster"/>'s admin at <paramref name="endpoint"/> (<c>https://host:port</c>):
    /// the cluster CA as <c>certificate-authority-data</c>, a fresh client certificate (CN
    /// <see cref="AdminUser"/>, O <see cref="AdminGroup"/>) signed by the cluster CA, and the context
    /// <c>&lt;cluster&gt;-admin@&lt;cluster&gt;</c> as the current one.
    /// </summary>
    public static string Admin(string cluster, string endpoint, ClusterSecrets secrets, DateTimeOffset now, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (cluster != secrets.Cluster)
        {
            throw new ArgumentException($"these secrets are cluster {secrets.Cluster}'s, not {cluster}'s", nameof(secrets));
        }

        var server = ClusterEndpoint.Text(ClusterEndpoint.Parse(endpoint));
        var lifetime = validity ?? DefaultAdminValidity;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        var (certificate, key) = ClientCertificates.Issue(secrets.ClusterCa, AdminUser, [AdminGroup], now, lifetime);

        // Every value is a DNS label, a checked URL or base64, so none needs quoting; the URL is quoted anyway.
        var user = $"{cluster}-admin";
        var context = $"{user}@{cluster}";
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\n");
        yaml.Append("kind: Config\n");
        yaml.Append("clusters:\n");
        yaml.Append($"- name: {cluster}\n");
        yaml.Append("  cluster:\n");
        yaml.Append($"    certificate-authority-data: {Base64(secrets.ClusterCa.CertificatePem)}\n");
        yaml.Append($"    server: \"{server}\"\n");
        yaml.Append("users:\n");
        yaml.Append($"- name: {user}\n");
        yaml.Append("  user:\n");
        yaml.Append($"    client-certificate-data: {Base64(certificate)}\n");
        yaml.Append($"    client-key-data: {Base64(key)}\n");
        yaml.Append("contexts:\n");
        yaml.Append($"- name: {context}\n");
        yaml.Append("  context:\n");
        yaml.Append($"    cluster: {cluster}\n");
        yaml.Append($"    user: {user}\n");
        yaml.Append($"current-context: {context}\n");
        yaml.Append("preferences: {}\n");
        return yaml.ToString();
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
}
