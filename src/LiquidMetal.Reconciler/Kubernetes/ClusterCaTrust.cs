using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>
/// Checks an API server's certificate against one cluster CA and nothing else: the chain must end at that CA
/// (the machine's trust store plays no part), allow server authentication, and name the host or IP dialled.
/// </summary>
/// <remarks>
/// KubernetesClient's own check is not used: it accepts any certificate the machine's store trusts, and when the
/// chain needs the cluster CA it checks the chain but not the name.
/// </remarks>
internal sealed class ClusterCaTrust(string cluster, X509Certificate2 certificateAuthority)
{
    private volatile string? _lastRejection;

    /// <summary>Why the last certificate was refused, for the error message; null when none was.</summary>
    public string? LastRejection => _lastRejection;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        var host = (sender as SslStream)?.TargetHostName is { Length: > 0 } name ? name : "the server";
        if (certificate is null)
        {
            return Reject("the server sent no certificate");
        }

        var owned = certificate as X509Certificate2 is null;
        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(certificateAuthority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(Pki.ServerAuthOid));
            if (presentedChain is not null)
            {
                // Intermediates the server sent may help build the chain; they are never trusted as roots.
                foreach (var element in presentedChain.ChainElements.Skip(1))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            if (!chain.Build(presented) || !chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(certificateAuthority.RawData))
            {
                var problems = string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct());
                return Reject($"the server certificate for {host} (issuer {presented.Issuer}) is not from cluster {cluster}'s CA" +
                    (problems.Length == 0 ? "" : $": {problems}"));
            }

            // The runtime compares the dialled host (or IP) with the certificate's SANs; only that verdict is kept.
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return Reject($"the server certificate (from cluster {cluster}'s CA) does not name {host}");
            }

            _lastRejection = null;
            return true;
        }
        finally
        {
            if (owned)
            {
                presented.Dispose();
            }
        }
    }

    private bool Reject(string reason)
    {
        _lastRejection = reason;
        return false;
    }
}
