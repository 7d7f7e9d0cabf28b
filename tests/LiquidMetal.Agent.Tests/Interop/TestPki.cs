using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>A throwaway CA with a server and a client certificate, made at test time and written as PEM for node.</summary>
public sealed class TestPki : IDisposable
{
    private TestPki(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, string directory)
    {
        Ca = ca;
        Server = server;
        Client = client;
        Directory = directory;
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    /// <summary>Holds ca.pem, server.pem, server-key.pem, client.pem, client-key.pem.</summary>
    public string Directory { get; }

    public static TestPki Create(string commonNamePrefix = "LiquidMetal Test")
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={commonNamePrefix} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));

        var directory = Path.Combine(Path.GetTempPath(), "lm-interop-pki-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());
        var server = Issue(ca, caKey, "server", "1.3.6.1.5.5.7.3.1", directory, now);
        var client = Issue(ca, caKey, "client", "1.3.6.1.5.5.7.3.2", directory, now);
        return new TestPki(ca, server, client, directory);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string role, string usage, string directory, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=liquidmetal-test-{role}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var signer = X509SignatureGenerator.CreateForECDsa(caKey);
        using var issued = request.Create(ca.SubjectName, signer, now.AddHours(-1), now.AddDays(1), serial);
        var certificate = issued.CopyWithPrivateKey(key);
        File.WriteAllText(Path.Combine(directory, $"{role}.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, $"{role}-key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}
