using System.Globalization;
using System.Text.Json;

namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Our Echo server (h2c and mutual TLS, bearer token required) and one run of interop/client.js per transport.</summary>
public sealed class GrpcJsClientFixture : IAsyncLifetime
{
    public const string Token = "interop-token";
    public const int MaxMessageSize = 1024 * 1024;

    private readonly Dictionary<string, IReadOnlyList<JsonElement>> _results = [];
    private EchoServer? _server;

    public TestPki Pki { get; } = TestPki.Create();

    public EchoServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        Interop.EnsureInstalled();
        _server = await EchoServer.StartAsync(Pki, options => options.OnCallStarting = GrpcAuthorization.RequireBearerToken(Token));
        var h2c = RunClientAsync(_server.H2cAddress);
        var tls = RunClientAsync(_server.TlsAddress!, "--tls-dir", Pki.Directory);
        _results["h2c"] = await h2c;
        _results["tls"] = await tls;
    }

    /// <summary>The line client.js printed for <paramref name="scenario"/> over <paramref name="transport"/>.</summary>
    public JsonElement Result(string transport, string scenario) =>
        _results[transport].SingleOrDefault(l => l.Text("scenario") == scenario) is { ValueKind: JsonValueKind.Object } line
            ? line
            : throw new InvalidOperationException($"client.js printed no '{scenario}' line over {transport}.");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Pki.Dispose();
    }

    private static async Task<IReadOnlyList<JsonElement>> RunClientAsync(Uri address, params string[] extra)
    {
        string[] arguments =
        [
            "--target", EchoServer.Target(address),
            "--token", Token,
            "--max-message-size", MaxMessageSize.ToString(CultureInfo.InvariantCulture),
            .. extra,
        ];
        await using var client = NodeProcess.Start("client.js", arguments);
        return await client.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }
}
