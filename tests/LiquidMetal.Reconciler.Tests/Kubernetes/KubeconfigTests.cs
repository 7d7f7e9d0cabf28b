using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

public sealed class KubeconfigTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;

    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync(Secrets.ClusterCa);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Admin_WritesClusterUserAndCurrentContext()
    {
        var yaml = Kubeconfig.Admin("alpha", "https://10.0.0.10:6443", Secrets, TestSecrets.Now);

        var file = KubeconfigFile.Parse(yaml);
        Assert.Equal("alpha", file.ClusterName);
        Assert.Equal("https://10.0.0.10:6443", file.Server);
        Assert.Equal(Secrets.ClusterCa.CertificatePem, file.CertificateAuthorityPem);
        Assert.Equal("alpha-admin", file.UserName);
        Assert.Equal("alpha-admin@alpha", file.ContextName);
        Assert.Equal(("alpha", "alpha-admin"), (file.ContextCluster, file.ContextUser));
        Assert.Equal("alpha-admin@alpha", file.CurrentContext);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", file.ClientKeyPem, StringComparison.Ordinal);
        TestSecrets.AssertNoSecretIn(yaml, Secrets);
    }

    [Fact]
    public void Admin_ClientCertificate_IsTheAdminSignedByTheClusterCa()
    {
        var file = KubeconfigFile.Parse(Kubeconfig.Admin("alpha", "https://[fd00::10]:6443", Secrets, TestSecrets.Now, TimeSpan.FromDays(30)));
        using var certificate = X509Certificate2.CreateFromPem(file.ClientCertificatePem, file.ClientKeyPem);
        using var ca = Secrets.ClusterCa.LoadCertificate();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = TestSecrets.Now.UtcDateTime;

        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation)));
        Assert.Equal("CN=liquidmetal-admin, O=system:masters", certificate.Subject); // .NET prints the DER order reversed
        Assert.Equal(TestSecrets.Now.AddDays(30).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("https://[fd00::10]:6443", file.Server);
    }

    [Theory]
    [InlineData("http://10.0.0.10:6443")]
    [InlineData("10.0.0.10:6443")]
    [InlineData("https://10.0.0.10:6443/path")]
    [InlineData("https://user@10.0.0.10:6443")]
    public void Admin_EndpointNotHttpsHostPort_Throws(string endpoint)
    {
        Assert.Throws<ArgumentException>(() => Kubeconfig.Admin("alpha", endpoint, Secrets, TestSecrets.Now));
    }

    [Fact]
    public void Admin_SecretsOfAnotherCluster_Throws()
    {
        Assert.Throws<ArgumentException>(() => Kubeconfig.Admin("alpha", "https://10.0.0.10:6443", TestSecrets.Beta, TestSecrets.Now));
    }

    [Fact]
    public async Task Admin_LoadedByKubernetesClient_ReachesTheServer_AgainstInTestApiServer()
    {
        _server.Nodes["alpha-cp-1"] = FakeKubeApiServer.Node("alpha-cp-1", "True");
        var yaml = Kubeconfig.Admin("alpha", _server.Endpoint, Secrets, DateTimeOffset.UtcNow);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
        using var client = new k8s.Kubernetes(configuration);

        var nodes = await client.CoreV1.ListNodeAsync();

        Assert.Equal("alpha-admin@alpha", configuration.CurrentContext);
        Assert.Equal("alpha-cp-1", Assert.Single(nodes.Items).Metadata.Name);
        Assert.Contains(("GET", "/api/v1/nodes", Kubeconfig.AdminUser), _server.Requests);
    }

    [KubectlFact]
    public async Task Admin_UsedByKubectl_GetsNodes_AgainstInTestApiServer()
    {
        _server.Nodes["alpha-cp-1"] = FakeKubeApiServer.Node("alpha-cp-1", "True");
        _server.Nodes["alpha-workers-1"] = FakeKubeApiServer.Node("alpha-workers-1", "False");
        using var folder = new TempFolder();
        folder.Write("kubeconfig", Kubeconfig.Admin("alpha", _server.Endpoint, Secrets, DateTimeOffset.UtcNow));

        var output = await Tools.Bash(
            "kubectl --kubeconfig kubeconfig --cache-dir cache --request-timeout 10s get nodes -o name",
            folder.Path,
            TimeSpan.FromSeconds(60));

        Assert.Equal("node/alpha-cp-1\nnode/alpha-workers-1\n", output);
        Assert.Contains(("GET", "/api/v1/nodes", Kubeconfig.AdminUser), _server.Requests);
    }

    [Fact]
    public async Task ClusterClient_Create_GivesATypedClientWithoutAFile_AgainstInTestApiServer()
    {
        using var client = ClusterClient.Create(_server.Endpoint, Secrets, DateTimeOffset.UtcNow);

        var nodes = await client.CoreV1.ListNodeAsync();

        Assert.Empty(nodes.Items);
        Assert.Contains(("GET", "/api/v1/nodes", ClusterClient.User), _server.Requests);
    }
}
