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

        var first = await Eventually(() => watches.Current(Endpoint));
        Assert.Equal("sled-1", first.Host);
        Assert.Empty(first.Vms);

        await Client().ApplyAsync(Spec(1, "vm-a"));
        var running = await Eventually(() => watches.Current(Endpoint) is { Vms: [{ Phase: VmPhase.Running }] } r ? r : null);
        Assert.Equal(1, running.ObservedGeneration);
        Assert.Equal("vm-a", running.Vms[0].Id);
    }

    [Fact]
    public async Task Current_AfterAnApply_NothingOlderThanItsGeneration()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Eventually(() => watches.Current(Endpoint));

        // The pool applied generation 1 (not sent yet here): the status of generation 0 the stream holds must not be
        // read as what the host runs now, as it would be while the stream's news of the Apply is on its way.
        watches.Applied(Endpoint, 1);
        Assert.Null(watches.Current(Endpoint));

        await Client().ApplyAsync(Spec(1, "vm-a"));
        Assert.Equal(1, (await Eventually(() => watches.Current(Endpoint))).ObservedGeneration);
    }

    [Fact]
    public async Task Current_AgentStopped_NothingUntilItsStreamIsOpenAgain()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Client().ApplyAsync(Spec(1, "vm-a"));
        await Eventually(() => watches.Current(Endpoint) is { ObservedGeneration: 1 } r ? r : null);

        var port = _server.Address.Port;
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        await Eventually(() => watches.Current(Endpoint) is null ? "gone" : null);

        (_core, _server) = await StartAgentAsync(port);
        var back = await Eventually(() => watches.Current(Endpoint), Reconnect);
        Assert.Equal(1, back.ObservedGeneration);
    }

    [Fact]
    public async Task Current_AgentBackWithItsStateLost_ItsLowerGenerationIsTakenFromTheNewStream()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        await Client().ApplyAsync(Spec(3, "vm-a"));
        watches.Applied(Endpoint, 3);
        await Eventually(() => watches.Current(Endpoint) is { ObservedGeneration: 3 } r ? r : null);

        // The host's state folder is lost (a disk replaced): its agent starts again from generation 0. What it says on
        // a stream opened after the Apply is what it runs, lower generation or not.
        var port = _server.Address.Port;
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        Directory.Delete(_state, recursive: true);
        (_core, _server) = await StartAgentAsync(port);

        var back = await Eventually(() => watches.Current(Endpoint) is { ObservedGeneration: 0 } r ? r : null, Reconnect);
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
        await Eventually(() => watches.Current(endpoint));

        await Task.Delay(2500);
        Assert.NotNull(watches.Current(endpoint)); // answered pings keep a quiet stream open

        link.Silence();
        var silenced = System.Diagnostics.Stopwatch.StartNew();
        await Eventually(() => watches.Current(endpoint) is null ? "gone" : null);
        Assert.True(silenced.Elapsed < TimeSpan.FromSeconds(8), $"the silent host's status stood {silenced.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task WaitForChange_WakesOnlyWhenWhatTheAgentRunsDiffersFromWhatWasSeen()
    {
        using var watches = new AgentWatches(TimeProvider.System);
        watches.Ensure(Endpoint, Client);
        var seen = new Dictionary<string, string> { [Endpoint] = (await Eventually(() => watches.Current(Endpoint))).Fingerprint() };

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
        await Eventually(() => watches.Current(Endpoint));

        watches.Retain(new HashSet<string>(StringComparer.Ordinal));
        Assert.Null(watches.Current(Endpoint));
        await Eventually(() => _core.WatcherCount == 0 ? "closed" : null);

        watches.Ensure(Endpoint, Client);
        await Eventually(() => watches.Current(Endpoint));
        watches.Dispose();
        Assert.Null(watches.Current(Endpoint));
        await Eventually(() => _core.WatcherCount == 0 ? "closed" : null);
        watches.Ensure(Endpoint, Client); // after Dispose: opens nothing
        Assert.Equal(0, watches.Count);
    }

    [Fact]
    public async Task Apply_OnAStatusThatMissedAnotherWritersApply_AsksAgainAndAppliesOverIt()
    {
        using var pool = new GrpcAgentPool(null, maxParallel: 2, TimeSpan.FromSeconds(5), TimeProvider.System);
        var host = new RenderedHost
        {
            Host = "sled-1",
            Fleet = "edge",
            AgentEndpoint = Endpoint,
            FailureDomain = "rack-1",
            Capacity = new Resources(32, 65536),
            Allocatable = new Resources(32, 65536),
            Allocated = new Resources(0, 0),
            SpecHash = "sha256:nothing",
        };
        var before = await pool.ObserveAsync([host], ask: false, CancellationToken.None);
        Assert.Equal(0, before["sled-1"].Report!.ObservedGeneration);

        // Another writer (a former leader) applies generation 5 after that look: the pool's next Apply, built on
        // generation 0, is refused as stale; the pool asks what the agent runs and applies over it.
        await Client().ApplyAsync(Spec(5, "vm-a"));
        var applied = await pool.ApplyAsync([host], "rev", before, CancellationToken.None);

        Assert.Null(applied["sled-1"].Error);
        Assert.True(applied["sled-1"].Applied);
        Assert.Equal(6, _core.GetStatus().ObservedGeneration);
        Assert.Equal("sha256:nothing", _core.GetStatus().SpecHash);
    }

    private Wire.HostAgent.HostAgentClient Client() => new(_channel);

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
            Kernel = "/images/vmlinuz",
            Initrd = "/images/initrd",
            UserData = "hostname: " + vm,
            Hash = "sha256:" + vm,
            Interfaces = { new Wire.NetworkInterface { Name = "eth0", Mac = "02:00:00:00:00:01" } },
        });
        return spec;
    }

    private static async Task<T> Eventually<T>(Func<T?> probe, TimeSpan? patience = null)
        where T : class
    {
        var until = DateTime.UtcNow + (patience ?? Patience);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < until, $"nothing after {(patience ?? Patience).TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    private async Task<(HostAgentCore, AgentServer)> StartAgentAsync(int port)
    {
        var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = _state,
            Provider = ProviderKind.Sim,
            Sim = new() { BootDelay = TimeSpan.FromMilliseconds(30) },
            ImageDirectories = ["/images"],
            CpuCapacity = 32,
            MemoryCapacityMiB = 65536,
            HostName = "sled-1",
        });
        return (core, await AgentServer.StartAsync(core, "sled-1", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, port) }));
    }

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
