using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

public sealed class ClusterSecretsTests
{
    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    [Theory]
    [InlineData("ca", "kubernetes")]
    [InlineData("etcd", "etcd-ca")]
    [InlineData("front-proxy", "front-proxy-ca")]
    public void Generate_EachCa_IsAKubeadmCa(string which, string commonName)
    {
        var ca = which switch { "ca" => Secrets.ClusterCa, "etcd" => Secrets.EtcdCa, _ => Secrets.FrontProxyCa };
        using var certificate = X509Certificate2.CreateFromPem(ca.CertificatePem, ca.KeyPem);

        Assert.Equal(commonName, ca.CommonName);
        Assert.Equal($"CN={commonName}", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal("sha256RSA", certificate.SignatureAlgorithm.FriendlyName);
        var constraints = Assert.Single(certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints is { CertificateAuthority: true, Critical: true });
        var usage = Assert.Single(certificate.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.Single(certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Equal(TestSecrets.Now.AddDays(3650).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(certificate.NotBefore.ToUniversalTime() < TestSecrets.Now.UtcDateTime);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", ca.CertificatePem, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", ca.KeyPem, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_ThreeCas_HaveDistinctKeys()
    {
        string[] keys = [Secrets.ClusterCa.KeyPem, Secrets.EtcdCa.KeyPem, Secrets.FrontProxyCa.KeyPem, Secrets.ServiceAccount.KeyPem];

        Assert.Equal(4, keys.Distinct().Count());
        Assert.NotEqual(TestSecrets.Beta.ClusterCa.CertificatePem, Secrets.ClusterCa.CertificatePem);
    }

    [Fact]
    public void Generate_ServiceAccountKey_IsAnRsaPairInKubeadmsPem()
    {
        using var key = RSA.Create();
        key.ImportFromPem(Secrets.ServiceAccount.KeyPem);
        using var publicKey = RSA.Create();
        publicKey.ImportFromPem(Secrets.ServiceAccount.PublicKeyPem);

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", Secrets.ServiceAccount.KeyPem, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", Secrets.ServiceAccount.PublicKeyPem, StringComparison.Ordinal);
        Assert.Equal(2048, key.KeySize);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), publicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Generate_OneTokenForADay()
    {
        var token = Assert.Single(Secrets.BootstrapTokens);

        Assert.Matches("^[a-z0-9]{6}$", token.Id);
        Assert.Matches("^[a-z0-9]{16}$", token.Secret);
        Assert.Equal(TestSecrets.Now.AddHours(24), token.Expires);
        Assert.Equal($"{token.Id}.{token.Secret}", token.Value);
        Assert.Same(token, Secrets.NewestToken);
    }

    [Fact]
    public void Generate_NotADnsLabel_Throws()
    {
        var error = Assert.Throws<FormatException>(() => ClusterSecrets.Generate("Alpha_1", TestSecrets.Now));

        Assert.Contains("DNS label", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ContainsNoKeyMaterialOrTokenSecret()
    {
        var printed = string.Join("\n",
            Secrets.ToString(),
            Secrets.ClusterCa.ToString(),
            Secrets.ServiceAccount.ToString(),
            Secrets.NewestToken.ToString(),
            $"{Secrets}");

        TestSecrets.AssertNoSecretIn(printed, Secrets);
        Assert.Contains("alpha", printed, StringComparison.Ordinal);
        Assert.Contains("CN=etcd-ca", printed, StringComparison.Ordinal);
        Assert.Contains(Secrets.NewestToken.Id + ".<redacted>", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void PkiFiles_UseKubeadmsPaths()
    {
        var files = Secrets.PkiFiles.ToDictionary();

        Assert.Equal(
            ["ca.crt", "ca.key", "etcd/ca.crt", "etcd/ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.key", "sa.pub"],
            Secrets.PkiFiles.Select(file => file.Key));
        Assert.Equal(Secrets.EtcdCa.KeyPem, files["etcd/ca.key"]);
        Assert.Equal(Secrets.ServiceAccount.PublicKeyPem, files["sa.pub"]);
    }

    [Fact]
    public void CaCertHash_IsSha256OfTheCaPublicKeyInfo()
    {
        using var certificate = X509Certificate2.CreateFromPem(Secrets.ClusterCa.CertificatePem);
        var expected = Convert.ToHexStringLower(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

        Assert.Equal("sha256:" + expected, Secrets.CaCertHash);
        Assert.Matches("^sha256:[0-9a-f]{64}$", Secrets.CaCertHash);
    }
}
