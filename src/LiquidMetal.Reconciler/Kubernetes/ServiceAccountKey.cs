using System.Security.Cryptography;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>The key pair that signs and verifies service-account tokens (kubeadm's <c>sa.key</c> and <c>sa.pub</c>).</summary>
/// <remarks>Printing shows neither key.</remarks>
public sealed record ServiceAccountKey
{
    private ServiceAccountKey(string keyPem, string publicKeyPem)
    {
        KeyPem = keyPem;
        PublicKeyPem = publicKeyPem;
    }

    /// <summary>The private key, PEM <c>RSA PRIVATE KEY</c> (PKCS#1).</summary>
    public string KeyPem { get; }

    /// <summary>The public key, PEM <c>PUBLIC KEY</c> (SubjectPublicKeyInfo).</summary>
    public string PublicKeyPem { get; }

    /// <summary>A new RSA 2048 key pair, kubeadm's default.</summary>
    public static ServiceAccountKey Generate()
    {
        using var key = RSA.Create(Pki.RsaKeyBits);
        return new ServiceAccountKey(key.ExportRSAPrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>
    /// The pair from PEM; throws <see cref="FormatException"/> (never quoting the PEM) when either does not parse
    /// or the public key is not the private key's.
    /// </summary>
    public static ServiceAccountKey FromPem(string keyPem, string publicKeyPem)
    {
        using var key = Pki.ReadRsaKey(keyPem, "service-account key");
        if (!PemEncoding.TryFind(publicKeyPem, out var fields) || publicKeyPem[fields.Label] is not "PUBLIC KEY")
        {
            throw new FormatException("service-account public key is not a PEM 'PUBLIC KEY'");
        }

        using var publicKey = RSA.Create();
        try
        {
            publicKey.ImportFromPem(publicKeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new FormatException("service-account public key is not a readable RSA public key");
        }

        if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(publicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new FormatException("service-account public key is not the service-account key's");
        }

        return new ServiceAccountKey(keyPem, publicKeyPem);
    }

    public override string ToString() => "ServiceAccountKey { RSA, keys redacted }";
}
