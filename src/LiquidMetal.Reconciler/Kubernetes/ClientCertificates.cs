using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>Client certificates signed by a cluster CA, for the API server's x509 authenticator.</summary>
/// <remarks>
/// Keys are ECDSA P-256 (PEM <c>EC PRIVATE KEY</c>, as kubeadm writes EC keys): a client is made per cluster and
/// pass, and an EC key costs a millisecond where RSA 2048 costs a hundred. kubectl, client-go and
/// KubernetesClient all read them.
/// </remarks>
internal static class ClientCertificates
{
    /// <summary>A certificate and key, both PEM; the user is <paramref name="commonName"/>, the groups the organizations.</summary>
    public static (string CertificatePem, string KeyPem) Issue(
        CertificateAuthority ca, string commonName, IReadOnlyList<string> organizations, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // The builder encodes the last name added first: this gives O=..., CN=..., the order kubeadm's certificates have.
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        foreach (var organization in organizations.Reverse())
        {
            subject.AddOrganizationName(organization);
        }
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(Pki.ClientAuthOid)], critical: false));
        using var certificate = ca.Issue(request, now - Pki.Backdate, now + validity);
        return (certificate.ExportCertificatePem(), key.ExportECPrivateKeyPem());
    }
}
