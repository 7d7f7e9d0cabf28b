using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Service;
using LiquidMetal.Agent.Tests.Infrastructure;
using LiquidMetal.Grpc;

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

        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions { StateDirectory = Path.Combine(_state.Path, "s"), Provider = ProviderKind.Sim });
        await using var agent = await AgentServer.StartAsync(core, "sled-1", new AgentServerOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            CertificateFile = certFile,
            KeyFile = keyFile,
            ClientCaFile = caFile,
        });
        Assert.Equal("https", agent.Address.Scheme);

        using var trusted = new HostAgentClient(agent.Address, new GrpcClientOptions { CertificateAuthority = ca, ClientCertificate = client });
        Assert.Equal("sled-1", (await trusted.GetStatusAsync()).Host);

        using var anonymous = new HostAgentClient(agent.Address, new GrpcClientOptions { CertificateAuthority = ca });
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.GetStatusAsync(new CallOptions { Timeout = TimeSpan.FromSeconds(5) }));
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
