using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>One of a cluster's kubeadm CAs: a self-signed RSA certificate and its private key, both PEM.</summary>
/// <remarks>Printing shows the subject and expiry, never the key.</remarks>
public sealed record CertificateAuthority
{
    private CertificateAuthority(string certificatePem, string keyPem, X509Certificate2 certificate)
    {
        CertificatePem = certificatePem;
        KeyPem = keyPem;
        CommonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }

    /// <summary>The certificate, PEM <c>CERTIFICATE</c> (kubeadm's <c>*.crt</c>).</summary>
    public string CertificatePem { get; }

    /// <summary>The private key, PEM <c>RSA PRIVATE KEY</c> (PKCS#1, as kubeadm writes <c>*.key</c>).</summary>
    public string KeyPem { get; }

    public string CommonName { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>
    /// <c>sha256:</c> and the hex SHA-256 of the certificate's DER SubjectPublicKeyInfo: the pin kubeadm's
    /// <c>--discovery-token-ca-cert-hash</c> takes.
    /// </summary>
    public string PublicKeyHash
    {
        get
        {
            using var certificate = LoadCertificate();
            return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        }
    }

    /// <summary>
    /// A new CA as kubeadm makes one: RSA 2048, SHA-256, ten years, basicConstraints CA:TRUE and keyUsage
    /// keyCertSign, cRLSign, digitalSignature (both critical), and a subject key identifier.
    /// </summary>
    public static CertificateAuthority Generate(string commonName, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        using var key = RSA.Create(Pki.RsaKeyBits);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(
            certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        var start = Pki.WholeSeconds(now);
        using var certificate = request.Create(
            request.SubjectName,
            X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            start - Pki.Backdate,
            start + Pki.CaValidity,
            Pki.NewSerial());
        return new CertificateAuthority(certificate.ExportCertificatePem(), key.ExportRSAPrivateKeyPem(), certificate);
    }

    /// <summary>
    /// A CA from its PEM certificate and key; throws <see cref="FormatException"/> (naming <paramref name="what"/>,
    /// never the PEM) when either does not parse, the certificate is not a CA, or the key is not the certificate's.
    /// </summary>
    public static CertificateAuthority FromPem(string certificatePem, string keyPem, string what = "CA")
    {
        using var certificate = Pki.ReadCertificate(certificatePem, $"{what} certificate");
        using var key = Pki.ReadRsaKey(keyPem, $"{what} key");
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new FormatException($"{what} certificate is not a CA (basicConstraints CA:TRUE is missing)");
        }

        if (!Pki.KeyMatches(certificate, key))
        {
            throw new FormatException($"{what} key does not belong to the {what} certificate");
        }

        return new CertificateAuthority(certificatePem, keyPem, certificate);
    }

    /// <summary>The certificate alone (no key), for trust decisions. The caller disposes it.</summary>
    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPem(CertificatePem);

    /// <summary>
    /// Signs <paramref name="request"/> with this CA, adding the authority key identifier; the validity is cut at
    /// the CA's own expiry. The caller disposes the certificate.
    /// </summary>
    internal X509Certificate2 Issue(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var issuer = LoadCertificate();
        using var key = Pki.ReadRsaKey(KeyPem, $"{CommonName} key");
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var end = notAfter < NotAfter ? notAfter : NotAfter;

        // The generator overload, because the subject's key may be EC while this CA's is RSA.
        return request.Create(
            issuer.SubjectName,
            X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            Pki.WholeSeconds(notBefore),
            Pki.WholeSeconds(end),
            Pki.NewSerial());
    }

    public override string ToString() => $"CertificateAuthority {{ CN={CommonName}, NotAfter={NotAfter:yyyy-MM-ddTHH:mm:ssZ}, key redacted }}";
}
