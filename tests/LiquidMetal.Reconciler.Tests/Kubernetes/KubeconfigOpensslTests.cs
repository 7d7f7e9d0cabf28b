using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>The admin kubeconfig's client certificate checked by openssl.</summary>
public sealed class KubeconfigOpensslTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    [OpensslFact]
    public async Task AdminKubeconfig_ClientCertificateVerifiesAgainstTheClusterCaOnly()
    {
        var kubeconfig = KubeconfigFile.Parse(Kubeconfig.Admin("alpha", "https://10.0.0.10:6443", Secrets, TestSecrets.Now));
        _folder.Write("ca.crt", Secrets.ClusterCa.CertificatePem);
        _folder.Write("other-ca.crt", TestSecrets.Beta.ClusterCa.CertificatePem);
        _folder.Write("admin.crt", kubeconfig.ClientCertificatePem);

        var verified = await Tools.Bash("openssl verify -CAfile ca.crt -purpose sslclient admin.crt", _folder.Path);
        var refused = await Tools.Bash("openssl verify -CAfile other-ca.crt admin.crt || true", _folder.Path);
        var text = await Tools.Bash("openssl x509 -in admin.crt -noout -subject -ext extendedKeyUsage,basicConstraints", _folder.Path);

        Assert.Contains("admin.crt: OK", verified, StringComparison.Ordinal);
        Assert.DoesNotContain("admin.crt: OK", refused, StringComparison.Ordinal);
        Assert.Contains("subject=O = system:masters, CN = liquidmetal-admin", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", text, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
