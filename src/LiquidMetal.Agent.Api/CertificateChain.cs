using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Agent.Api;

/// <summary>Checks a peer certificate against one private CA: agents' certificates for clients, client certificates for agents.</summary>
public static class CertificateChain
{
    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="certificateAuthority"/> and is valid now.</summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 certificateAuthority, X509Chain? presented = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(certificateAuthority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificateAuthority);

        // A private CA publishes no revocation lists; revocation is handled by rotating the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent help build the chain; trust still comes only from the CA above.
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.Equals(certificate))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        if (!chain.Build(certificate))
        {
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(certificateAuthority.RawDataMemory.Span);
    }
}
