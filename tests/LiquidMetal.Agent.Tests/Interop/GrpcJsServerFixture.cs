using System.Text.Json;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>interop/agent-server.js (a host agent written with grpc-js) on h2c and on mutual TLS, with a bearer token.</summary>
public sealed class GrpcJsServerFixture : IAsyncLifetime
{
    public const string Token = "interop-server-token";
    public const string Host = "js-sled";
    public const int WatchCount = 5;

    private readonly Dictionary<string, (NodeProcess Process, Uri Address)> _servers = [];

    public TestPki Pki { get; } = TestPki.Create();

    public async Task InitializeAsync()
    {
        Interop.EnsureInstalled();
        _servers["h2c"] = await StartAsync("http");
        _servers["tls"] = await StartAsync("https", "--tls-dir", Pki.Directory);
    }

    public Uri Address(string transport) => _servers[transport].Address;

    public NodeProcess Server(string transport) => _servers[transport].Process;

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _servers.Values)
        {
            await process.DisposeAsync();
        }

        Pki.Dispose();
    }

    private static async Task<(NodeProcess, Uri)> StartAsync(string scheme, params string[] extra)
    {
        var process = NodeProcess.Start("agent-server.js", ["--host", Host, "--token", Token, "--watch-count", WatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra]);
        var listening = await process.WaitForAsync(line => line.Text("event") == "listening", TimeSpan.FromSeconds(30));
        return (process, new Uri($"{scheme}://127.0.0.1:{listening.GetProperty("port").GetInt32()}"));
    }
}
