using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>Shared certificate settings and checks for the cluster PKI.</summary>
internal static class Pki
{
    /// <summary>kubeadm's default key size for CAs, service-account and RSA leaf keys.</summary>
    public const int RsaKeyBits = 2048;

    /// <summary>kubeadm's CA validity: ten years.</summary>
    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(3650);

    /// <summary>
    /// Certificates start this long before "now": a guest whose clock lags the reconciler's by a few minutes
    /// still accepts them (kubeadm backdates its certificates for the same reason).
    /// </summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A random positive 128-bit serial number.</summary>
    public static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    /// <summary>X.509 times have whole seconds; rounding first keeps what we compute equal to what we parse.</summary>
    public static DateTimeOffset WholeSeconds(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>True when the RSA key is the private half of the certificate's public key.</summary>
    public static bool KeyMatches(X509Certificate2 certificate, AsymmetricAlgorithm key) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());

    /// <summary>Reads one RSA private key PEM (PKCS#1 <c>RSA PRIVATE KEY</c> or PKCS#8 <c>PRIVATE KEY</c>).</summary>
    public static RSA ReadRsaKey(string pem, string what)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not ("RSA PRIVATE KEY" or "PRIVATE KEY"))
        {
            throw new FormatException($"{what} is not a PEM 'RSA PRIVATE KEY' or 'PRIVATE KEY'");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            throw new FormatException($"{what} is not a readable RSA private key");
        }
    }

    /// <summary>Reads one PEM certificate.</summary>
    public static X509Certificate2 ReadCertificate(string pem, string what)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not "CERTIFICATE")
        {
            throw new FormatException($"{what} is not a PEM 'CERTIFICATE'");
        }

        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw new FormatException($"{what} is not a readable X.509 certificate");
        }
    }
}
