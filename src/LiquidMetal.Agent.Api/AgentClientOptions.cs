using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Agent.Api;

/// <summary>How the reconciler and the CLI reach host agents: whom to trust, what to present, and the call limits.</summary>
public sealed record AgentClientOptions
{
    /// <summary>Trust only this CA for agents' certificates (the host name is still checked); null uses the system store.</summary>
    public X509Certificate2? CertificateAuthority { get; init; }

    /// <summary>The certificate, with its private key, presented to agents that require client certificates (mutual TLS).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Sent as <c>authorization: Bearer {token}</c> on every call.</summary>
    public string? BearerToken { get; init; }

    /// <summary>The largest response accepted; a larger one fails the call with ResourceExhausted. A 100-VM status is about 30 KB.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>How long to wait for the TCP and TLS connection to an agent.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// HTTP/2 pings on a connection that has been quiet this long, so a Watch stream to an agent whose host vanished (no
    /// FIN, no RST: a far-edge link that dropped) ends instead of waiting forever. The reconciler reads what a host runs
    /// from that stream, so this plus <see cref="KeepAlivePingTimeout"/> (25 s) is how long a silent host's last status
    /// can stand. gRPC servers refuse pings more often than every 5 minutes by default; Kestrel accepts them.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Loads the options from PEM files: the CA agents' certificates are issued by, the client certificate and its key
    /// for mutual TLS, and a file holding the bearer token. Each may be null.
    /// </summary>
    public static AgentClientOptions FromFiles(string? caFile, string? certificateFile, string? keyFile, string? tokenFile)
    {
        if ((certificateFile is null) != (keyFile is null))
        {
            throw new ArgumentException("a client certificate and its key go together: give both files or neither");
        }

        string? token = null;
        if (tokenFile is not null)
        {
            token = File.ReadAllText(tokenFile).Trim();
            if (token.Length == 0)
            {
                throw new ArgumentException($"the token file {tokenFile} is empty");
            }
        }

        return new AgentClientOptions
        {
            CertificateAuthority = caFile is null ? null : X509CertificateLoader.LoadCertificateFromFile(caFile),
            ClientCertificate = certificateFile is null ? null : LoadWithKey(certificateFile, keyFile!),
            BearerToken = token,
        };
    }

    /// <summary>A PEM certificate with its key, in a form Linux's TLS stack can use for client authentication.</summary>
    private static X509Certificate2 LoadWithKey(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

        // An ephemeral key from PEM cannot always be used by SslStream on Linux; a PKCS#12 round trip gives a usable one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
