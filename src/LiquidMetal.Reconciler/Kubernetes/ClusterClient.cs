using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>KubernetesClient clients for a cluster, built from its endpoint and secrets with no kubeconfig file.</summary>
public static class ClusterClient
{
    /// <summary>The client user's name (CN). It is in <see cref="Kubeconfig.AdminGroup"/>, like the admin.</summary>
    public const string User = "liquidmetal-reconciler";

    /// <summary>How long the in-memory client certificate is valid: make a new client at least this often.</summary>
    public static TimeSpan CertificateValidity { get; } = TimeSpan.FromDays(1);

    /// <summary>How long one call may take unless told otherwise.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client for the API server at <paramref name="endpoint"/> that trusts only the cluster CA (and checks the
    /// server's name), authenticates with a fresh client certificate, and gives each call
    /// <paramref name="timeout"/> (default 5 s) including the connect.
    /// </summary>
    public static k8s.Kubernetes Create(string endpoint, ClusterSecrets secrets, DateTimeOffset now, TimeSpan? timeout = null) =>
        Create(endpoint, secrets, now, timeout ?? DefaultTimeout, out _);

    internal static k8s.Kubernetes Create(string endpoint, ClusterSecrets secrets, DateTimeOffset now, TimeSpan timeout, out ClusterCaTrust trust)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var (certificate, key) = ClientCertificates.Issue(secrets.ClusterCa, User, [Kubeconfig.AdminGroup], now, CertificateValidity);
        return Create(endpoint, secrets.Cluster, secrets.ClusterCa.LoadCertificate(), certificate, key, timeout, out trust);
    }

    /// <summary>The general form: trust <paramref name="certificateAuthority"/>, present the given client certificate.</summary>
    internal static k8s.Kubernetes Create(
        string endpoint,
        string cluster,
        X509Certificate2 certificateAuthority,
        string clientCertificatePem,
        string clientKeyPem,
        TimeSpan timeout,
        out ClusterCaTrust trust)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var uri = ClusterEndpoint.Parse(endpoint);
        var check = new ClusterCaTrust(cluster, certificateAuthority);
        var configuration = new KubernetesClientConfiguration
        {
            Host = ClusterEndpoint.Text(uri),
            ClientCertificateData = Convert.ToBase64String(Encoding.ASCII.GetBytes(clientCertificatePem)),
            ClientCertificateKeyData = Convert.ToBase64String(Encoding.ASCII.GetBytes(clientKeyPem)),
            HttpClientTimeout = timeout,

            // SslCaCerts stays null so that KubernetesClient installs no check of its own over this one (21.0.8
            // installs its callback after this setup runs, but only when SslCaCerts or SkipTlsVerify is set).
            SkipTlsVerify = false,
            FirstMessageHandlerSetup = handler =>
            {
                handler.ConnectTimeout = timeout;

                // Cluster VIPs are dialled directly; a proxy from the environment must not see that traffic.
                handler.UseProxy = false;
                handler.SslOptions.RemoteCertificateValidationCallback = check.Validate;
            },
        };
        trust = check;
        return new k8s.Kubernetes(configuration);
    }
}
