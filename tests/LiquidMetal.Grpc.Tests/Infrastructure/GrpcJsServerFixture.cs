namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Two grpc-js Echo servers (interop/server.js), one h2c and one mutual TLS, shared by a test class.</summary>
public sealed class GrpcJsServerFixture : IAsyncLifetime
{
    public const int MaxMessageSize = 1024 * 1024;

    private readonly Dictionary<string, (NodeProcess Process, Uri Address)> _servers = [];

    public TestPki Pki { get; } = TestPki.Create();

    public async Task InitializeAsync()
    {
        var size = MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var h2c = NodeProcess.Start("server.js", "--max-message-size", size);
        var tls = NodeProcess.Start("server.js", "--max-message-size", size, "--tls-dir", Pki.Directory);
        _servers["h2c"] = (h2c, await AddressAsync(h2c, "http"));
        _servers["tls"] = (tls, await AddressAsync(tls, "https"));
    }

    public NodeProcess Server(string transport) => _servers[transport].Process;

    /// <summary>Our client for the server of <paramref name="transport"/>, trusting the test CA and presenting the client certificate.</summary>
    public GrpcClient Client(string transport, Action<GrpcClientOptions>? configure = null)
    {
        var options = new GrpcClientOptions
        {
            CertificateAuthority = Pki.Ca,
            ClientCertificate = Pki.Client,
            MaxReceiveMessageSize = MaxMessageSize,
        };
        configure?.Invoke(options);
        return new GrpcClient(_servers[transport].Address, options);
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _servers.Values)
        {
            await process.DisposeAsync();
        }

        Pki.Dispose();
    }

    private static async Task<Uri> AddressAsync(NodeProcess server, string scheme)
    {
        var listening = await server.WaitForAsync(line => line.Text("event") == "listening", TimeSpan.FromSeconds(15));
        return new Uri($"{scheme}://127.0.0.1:{listening.Number("port")}");
    }
}
