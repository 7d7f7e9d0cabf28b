using System.Net;
using Grpc.Net.Client;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Service;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Reconciler.Agents;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The agents' Watch streams as the reconciler keeps them: against one real agent (sim provider, real gRPC).</summary>
public sealed class AgentWatchesTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // A stream retries after 0.25, 0.5, 1, 2, 4, 8 s...: an agent that takes a few seconds to come back on a loaded
    // machine is seen again up to twice that later.
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(30);

    private readonly string _state = Directory.CreateTempSubdirectory("lm-watches-").FullName;
    private HostAgentCore _core = null!;
    private AgentServer _server = null!;
    private GrpcChannel _channel = null!;

    private string Endpoint => _server.Address.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        (_core, _server) = await StartAgentAsync(port: 0);
        _channel = AgentChannel.Create(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Current_FollowsTheAgentsStatus_FirstWhatItRunsThenEachChange()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);

        var first = await Eventually.ValueAsync(() => watches.Current(Endpoint), "a status from the stream", Patience);
        Assert.Equal("sled-1", first.Host);
        Assert.Empty(first.Vms);

        await Client().ApplyAsync(Spec(1, "vm-a"));
        var running = await Eventually.ValueAsync(() => watches.Current(Endpoint) is { Vms: [{ Phase: VmPhase.Running }] } r ? r : null, "vm-a Running on the stream", Patience);
        Assert.Equal(1, running.ObservedGeneration);
        Assert.Equal("vm-a", running.Vms[0].Id);
    }

    [Fact]
    public async Task Current_AfterAnApply_NothingOlderThanItsGeneration()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Eventually.ValueAsync(() => watches.Current(Endpoint), "a status from the stream", Patience);

        // The pool applied generation 1 (not sent yet here): the status of generation 0 the stream holds must not be
        // read as what the host runs now, as it would be while the stream's news of the Apply is on its way.
        watches.Applied(Endpoint, 1);
        Assert.Null(watches.Current(Endpoint));

        await Client().ApplyAsync(Spec(1, "vm-a"));
        Assert.Equal(1, (await Eventually.ValueAsync(() => watches.Current(Endpoint), "generation 1 on the stream", Patience)).ObservedGeneration);
    }

    [Fact]
    public async Task Current_AgentStopped_NothingUntilItsStreamIsOpenAgain()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Client().ApplyAsync(Spec(1, "vm-a"));
        await Eventually.ValueAsync(() => watches.Current(Endpoint) is { ObservedGeneration: 1 } r ? r : null, "generation 1 on the stream", Patience);

        var port = _server.Address.Port;
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        await Eventually.ValueAsync(() => watches.Current(Endpoint) is null ? "gone" : null, "the stopped agent's status gone", Patience);

        (_core, _server) = await StartAgentAsync(port);
        var back = await Eventually.ValueAsync(() => watches.Current(Endpoint), "the agent's status back", Reconnect);
        Assert.Equal(1, back.ObservedGeneration);
    }

    [Fact]
    public async Task Current_AgentBackWithItsStateLost_ItsLowerGenerationIsTakenFromTheNewStream()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Client().ApplyAsync(Spec(3, "vm-a"));
        watches.Applied(Endpoint, 3);
        await Eventually.ValueAsync(() => watches.Current(Endpoint) is { ObservedGeneration: 3 } r ? r : null, "generation 3 on the stream", Patience);

        // The host's state folder is lost (a disk replaced): its agent starts again from generation 0. What it says on
        // a stream opened after the Apply is what it runs, lower generation or not.
        var port = _server.Address.Port;
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        Directory.Delete(_state, recursive: true);
        (_core, _server) = await StartAgentAsync(port);

        var back = await Eventually.ValueAsync(() => watches.Current(Endpoint) is { ObservedGeneration: 0 } r ? r : null, "generation 0 from the agent back without its state", Reconnect);
        Assert.Empty(back.Vms);
    }

    [Fact]
    public async Task Current_HostGoesSilentWithoutClosingTheConnection_NothingOnceKeepAliveGivesUp()
    {
        // A link that drops everything (power lost at the far end): no FIN, no RST. The stream's last status must not
        // stand for longer than the keep-alive ping's delay and timeout (1 s each here, 15 s and 10 s by default).
        await using var link = await SilenceableLink.StartAsync(_server.Address.Port);
        using var channel = AgentChannel.Create(new Uri($"http://127.0.0.1:{link.Port}"), new AgentClientOptions
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(1),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
        });
        using var watches = new AgentWatches(TimeProvider.System);
        var endpoint = $"http://127.0.0.1:{link.Port}";
        watches.Ensure(endpoint, () => new Wire.HostAgent.HostAgentClient(channel));
        await Eventually.ValueAsync(() => watches.Current(endpoint), "a status through the link", Patience);

        await Task.Delay(2500);
        Assert.NotNull(watches.Current(endpoint)); // answered pings keep a quiet stream open

        link.Silence();
        var silenced = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.ValueAsync(() => watches.Current(endpoint) is null ? "gone" : null, "the silent host's status gone", Patience);
        Assert.True(silenced.Elapsed < TimeSpan.FromSeconds(8), $"the silent host's status stood {silenced.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task WaitForChange_WakesOnlyWhenWhatTheAgentRunsDiffersFromWhatWasSeen()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        var seen = new Dictionary<string, string> { [Endpoint] = (await Eventually.ValueAsync(() => watches.Current(Endpoint), "a status from the stream", Patience)).Fingerprint() };

        var waiting = watches.WaitForChangeAsync(seen, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "woke with nothing new");

        await Client().ApplyAsync(Spec(1, "vm-a"));
        await waiting.WaitAsync(Patience);
    }

    [Fact]
    public async Task Retain_ClosesTheOthersStreams_AndDisposeClosesAll()
    {
        var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Eventually.ValueAsync(() => watches.Current(Endpoint), "a status from the stream", Patience);

        watches.Retain(new HashSet<string>(StringComparer.Ordinal), _ => Client());
        Assert.Null(watches.Current(Endpoint));
        await Eventually.ValueAsync(() => _core.WatcherCount == 0 ? "closed" : null, "the agent's watchers closed", Patience);

        watches.Ensure(Endpoint, Client);
        await Eventually.ValueAsync(() => watches.Current(Endpoint), "a status from the stream", Patience);
        watches.Dispose();
        Assert.Null(watches.Current(Endpoint));
        await Eventually.ValueAsync(() => _core.WatcherCount == 0 ? "closed" : null, "the agent's watchers closed", Patience);
        watches.Ensure(Endpoint, Client); // after Dispose: opens nothing
        Assert.Equal(0, watches.Count);
    }

    [Theory]
    [InlineData(5)] // generations past the one the pool saw: refused for being older
    [InlineData(1)] // the very generation the pool will send: taken, it would replace theirs unseen
    public async Task Apply_OnAStatusThatMissedAnotherWritersApply_IsRefused_AsksAgainAndAppliesOverItKnowingly(long theirs)
    {
        using var pool = new GrpcAgentPool(null, maxParallel: 2, TimeSpan.FromSeconds(5), TimeProvider.System);
        var host = Host("sha256:nothing");
        var before = await pool.ObserveAsync([host], ask: false, CancellationToken.None);
        Assert.Equal(0, before["sled-1"].Report!.ObservedGeneration);

        // Another writer (a former leader) applies after that look: the pool's next Apply, built on generation 0 and
        // so sent as generation 1, is refused as stale; the pool asks what the agent runs and applies over it.
        await Client().ApplyAsync(Spec(theirs, "vm-a"));
        var applied = await pool.ApplyAsync([host], "rev", before, CancellationToken.None);

        Assert.Null(applied["sled-1"].Error);
        Assert.True(applied["sled-1"].Applied);
        Assert.Equal(theirs + 1, _core.GetStatus().ObservedGeneration);
        Assert.Equal("sha256:nothing", _core.GetStatus().SpecHash);
    }

    private Wire.HostAgent.HostAgentClient Client() => new(_channel);

    private RenderedHost Host(string specHash) => new()
    {
        Host = "sled-1",
        Fleet = "edge",
        AgentEndpoint = Endpoint,
        FailureDomain = "rack-1",
        Capacity = new Resources(32, 98304),
        Allocatable = new Resources(32, 98304),
        Allocated = new Resources(0, 0),
        SpecHash = specHash,
    };

    private static Wire.HostSpec Spec(long generation, string vm)
    {
        var spec = new Wire.HostSpec { Host = "sled-1", Generation = generation, SpecHash = $"sha256:gen{generation}" };
        spec.Microvms.Add(new Wire.MicroVmSpec
        {
            Id = vm,
            Cluster = "k",
            Pool = "workers",
            Role = "worker",
            Vcpu = 1,
            MemoryMib = 256,
            Kernel = "/var/lib/liquidmetal/images/vmlinuz",
            Initrd = "/var/lib/liquidmetal/images/initrd",
            UserData = "hostname: " + vm,
            Hash = "sha256:" + vm,
            Interfaces = { new Wire.NetworkInterface { Name = "eth0", Mac = "02:00:00:00:00:01" } },
        });
        return spec;
    }

    private Task<(HostAgentCore Core, AgentServer Server)> StartAgentAsync(int port) => FleetUnderTest.StartSimAgentAsync(_state, "sled-1", port);

    /// <summary>A TCP relay to the agent that can go silent: it stops passing bytes either way but keeps both connections open.</summary>
    private sealed class SilenceableLink : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<System.Net.Sockets.TcpClient> _sockets = [];
        private readonly int _target;
        private volatile bool _silent;
        private Task _accepting = Task.CompletedTask;

        private SilenceableLink(int target) => _target = target;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static Task<SilenceableLink> StartAsync(int target)
        {
            var link = new SilenceableLink(target);
            link._listener.Start();
            link._accepting = link.AcceptAsync();
            return Task.FromResult(link);
        }

        public void Silence() => _silent = true;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            lock (_sockets)
            {
                _sockets.ForEach(s => s.Dispose());
            }

            await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                var outbound = new System.Net.Sockets.TcpClient();
                await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }

                _ = PumpAsync(inbound.GetStream(), outbound.GetStream());
                _ = PumpAsync(outbound.GetStream(), inbound.GetStream());
            }
        }

        private async Task PumpAsync(System.Net.Sockets.NetworkStream from, System.Net.Sockets.NetworkStream to)
        {
            var buffer = new byte[16384];
            try
            {
                while (true)
                {
                    var read = await from.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    if (!_silent)
                    {
                        await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The link is being taken down.
            }
        }
    }
}
