using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>The PKI checked by openssl, an implementation that shares no code with ours.</summary>
public sealed class PkiOpensslTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    [OpensslFact]
    public async Task CaCertHash_EqualsOpensslsPublicKeyDigest()
    {
        _folder.Write("ca.crt", Secrets.ClusterCa.CertificatePem);

        var digest = await Tools.Bash("openssl x509 -in ca.crt -noout -pubkey | openssl pkey -pubin -outform der | sha256sum", _folder.Path);

        Assert.Equal(Secrets.CaCertHash, "sha256:" + digest.Split(' ')[0]);
    }

    [OpensslFact]
    public async Task PkiFiles_OpensslSeesKubeadmCas()
    {
        foreach (var (path, content) in Secrets.PkiFiles)
        {
            _folder.Write(path, content);
        }

        foreach (var (crt, commonName) in new[] { ("ca.crt", "kubernetes"), ("etcd/ca.crt", "etcd-ca"), ("front-proxy-ca.crt", "front-proxy-ca") })
        {
            var text = await Tools.Bash($"openssl x509 -in {crt} -noout -text", _folder.Path);
            var key = crt.Replace(".crt", ".key", StringComparison.Ordinal);

            Assert.Contains($"Subject: CN = {commonName}\n", text, StringComparison.Ordinal);
            Assert.Contains("X509v3 Basic Constraints: critical\n                CA:TRUE", text, StringComparison.Ordinal);
            Assert.Contains("X509v3 Key Usage: critical\n                Digital Signature, Certificate Sign, CRL Sign", text, StringComparison.Ordinal);
            Assert.Contains("X509v3 Subject Key Identifier", text, StringComparison.Ordinal);
            Assert.Contains("Public-Key: (2048 bit)", text, StringComparison.Ordinal);
            Assert.Contains("sha256WithRSAEncryption", text, StringComparison.Ordinal);
            Assert.Contains($"{crt}: OK", await Tools.Bash($"openssl verify -CAfile {crt} {crt}", _folder.Path), StringComparison.Ordinal);
            Assert.Equal(
                await Tools.Bash($"openssl x509 -in {crt} -noout -pubkey", _folder.Path),
                await Tools.Bash($"openssl pkey -in {key} -pubout", _folder.Path));
        }
    }

    [OpensslFact]
    public async Task ServiceAccountKey_OpensslDerivesSaPubFromSaKey()
    {
        _folder.Write("sa.key", Secrets.ServiceAccount.KeyPem);

        var derived = await Tools.Bash("openssl rsa -in sa.key -check -noout && openssl pkey -in sa.key -pubout", _folder.Path);

        Assert.Equal(Secrets.ServiceAccount.PublicKeyPem.Trim(), derived.Replace("RSA key ok\n", "", StringComparison.Ordinal).Trim());
    }

    public void Dispose() => _folder.Dispose();
}
