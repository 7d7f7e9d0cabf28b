using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Service;
using LiquidMetal.Agent.Tests.Infrastructure;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Tests.Service;

/// <summary>The agent over TLS from PEM files, with client certificates required (mutual TLS).</summary>
public sealed class AgentServerTlsTests : IDisposable
{
    private readonly TempStateDirectory _state = new();

    [Fact]
    public async Task MutualTls_ClientWithCertificate_Served_WithoutCertificate_Refused()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=liquidmetal test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var server = Issue(ca, caKey, "CN=sled-1", server: true);
        using var client = Issue(ca, caKey, "CN=reconciler", server: false);

        var certFile = Path.Combine(_state.Path, "agent.crt");
        var keyFile = Path.Combine(_state.Path, "agent.key");
        var caFile = Path.Combine(_state.Path, "ca.crt");
        await File.WriteAllTextAsync(certFile, server.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
        var clientCertFile = Path.Combine(_state.Path, "reconciler.crt");
        var clientKeyFile = Path.Combine(_state.Path, "reconciler.key");
        var tokenFile = Path.Combine(_state.Path, "token");
        await File.WriteAllTextAsync(clientCertFile, client.ExportCertificatePem());
        await File.WriteAllTextAsync(clientKeyFile, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(tokenFile, "agent-token\n");

        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions { StateDirectory = Path.Combine(_state.Path, "s"), Provider = ProviderKind.Sim });
        await using var agent = await AgentServer.StartAsync(core, "sled-1", new AgentServerOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            CertificateFile = certFile,
            KeyFile = keyFile,
            ClientCaFile = caFile,
            BearerToken = "agent-token",
        });
        Assert.Equal("https", agent.Address.Scheme);

        // As the reconciler loads them: --agent-ca, --agent-cert, --agent-key, --agent-token-file.
        using var trusted = AgentChannel.Create(agent.Address, AgentClientOptions.FromFiles(caFile, clientCertFile, clientKeyFile, tokenFile));
        Assert.Equal("sled-1", (await new Wire.HostAgent.HostAgentClient(trusted).GetStatusAsync(new Wire.GetStatusRequest())).Host);

        using var anonymous = AgentChannel.Create(agent.Address, new AgentClientOptions { CertificateAuthority = ca, BearerToken = "agent-token" });
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            new Wire.HostAgent.HostAgentClient(anonymous).GetStatusAsync(new Wire.GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);

        // TLS 1.3: the client counts its handshake done before the server has judged the client's (missing) certificate,
        // so the request is on its way when the refusal comes, and the call fails as Unavailable or as Internal depending
        // on when the two meet (Internal seen only on a loaded machine, in about one full test run in two). Either way
        // nothing was served; the detail says what the client saw.
        Assert.True(refused.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.Internal, $"{refused.StatusCode}: {refused.Status.Detail} ({refused.Status.DebugException?.GetType().Name})");
    }

    [Fact]
    public void FromFiles_CertificateWithoutKeyOrEmptyToken_SaysWhatIsMissing()
    {
        var empty = Path.Combine(_state.Path, "empty-token");
        File.WriteAllText(empty, "\n");

        Assert.Contains("give both files or neither", Assert.Throws<ArgumentException>(() => AgentClientOptions.FromFiles(null, "client.crt", null, null)).Message);
        Assert.Contains($"the token file {empty} is empty", Assert.Throws<ArgumentException>(() => AgentClientOptions.FromFiles(null, null, null, empty)).Message);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Round-trip through PKCS#12 so the private key is usable for TLS on Linux.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose() => _state.Dispose();
}
