using System.Globalization;
using System.Net;
using System.Text.Json;
using LiquidMetal.Agent.Service;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>
/// Two real agents (sim provider), one on h2c and one on mutual TLS, both requiring a bearer token, and one run of
/// interop/agent-client.js against each.
/// </summary>
public sealed class GrpcJsClientFixture : IAsyncLifetime
{
    public const string Token = "interop-token";
    public const string Host = "interop-sled";
    public const int MaxMessageSize = 256 * 1024;

    private readonly Dictionary<string, IReadOnlyList<JsonElement>> _results = [];
    private readonly List<IAsyncDisposable> _running = [];
    private readonly TempStateDirectory _state = new();

    public TestPki Pki { get; } = TestPki.Create();

    public async Task InitializeAsync()
    {
        Interop.EnsureInstalled();
        var h2c = await StartAgentAsync("h2c", tls: false);
        var tls = await StartAgentAsync("tls", tls: true);
        var runH2c = RunClientAsync(h2c);
        var runTls = RunClientAsync(tls, "--tls-dir", Pki.Directory);
        _results["h2c"] = await runH2c;
        _results["tls"] = await runTls;
    }

    /// <summary>The line agent-client.js printed for <paramref name="scenario"/> over <paramref name="transport"/>.</summary>
    public JsonElement Result(string transport, string scenario) =>
        _results[transport].SingleOrDefault(l => l.Text("scenario") == scenario) is { ValueKind: JsonValueKind.Object } line
            ? line
            : throw new InvalidOperationException($"agent-client.js printed no '{scenario}' line over {transport}.");

    public async Task DisposeAsync()
    {
        foreach (var running in Enumerable.Reverse(_running))
        {
            await running.DisposeAsync();
        }

        Pki.Dispose();
        _state.Dispose();
    }

    private async Task<Uri> StartAgentAsync(string name, bool tls)
    {
        var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = Path.Combine(_state.Path, name),
            Provider = ProviderKind.Sim,
            Sim = new() { BootDelay = TimeSpan.FromMilliseconds(50) },
            ImageDirectories = ["/images"],
            CpuCapacity = 16,
            MemoryCapacityMiB = 16384,
            HostName = Host,
        });
        _running.Add(core);
        var server = await AgentServer.StartAsync(core, Host, new AgentServerOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BearerToken = Token,
            MaxReceiveMessageBytes = MaxMessageSize,
            CertificateFile = tls ? Path.Combine(Pki.Directory, "server.pem") : null,
            KeyFile = tls ? Path.Combine(Pki.Directory, "server-key.pem") : null,
            ClientCaFile = tls ? Path.Combine(Pki.Directory, "ca.pem") : null,
        });
        _running.Add(server);
        return server.Address;
    }

    private static async Task<IReadOnlyList<JsonElement>> RunClientAsync(Uri address, params string[] extra)
    {
        string[] arguments =
        [
            "--target", $"127.0.0.1:{address.Port}",
            "--host", Host,
            "--token", Token,
            "--max-message-size", MaxMessageSize.ToString(CultureInfo.InvariantCulture),
            .. extra,
        ];
        await using var client = NodeProcess.Start("agent-client.js", arguments);
        return await client.WaitForExitAsync(TimeSpan.FromSeconds(90));
    }
}
