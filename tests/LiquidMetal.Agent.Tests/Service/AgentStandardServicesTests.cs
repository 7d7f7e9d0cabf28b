using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Service;
using LiquidMetal.Agent.Tests.Infrastructure;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Tests.Service;

/// <summary>
/// What the agent serves beside its own API, so the usual gRPC tools work against it: grpc.health.v1 and server
/// reflection; and what a busy agent must still do: many streams on one connection, deadlines that end calls.
/// </summary>
public sealed class AgentStandardServicesTests : IAsyncLifetime
{
    private const string Token = "standard-services-token";
    private readonly TempStateDirectory _state = new();
    private HostAgentCore _core = null!;
    private AgentServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _core = await HostAgentCore.StartAsync(new HostAgentOptions { StateDirectory = _state.Path, Provider = ProviderKind.Sim, HostName = "sled-1" });
        _server = await AgentServer.StartAsync(_core, "sled-1", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = Token });
        _channel = AgentChannel.Create(_server.Address, new AgentClientOptions { BearerToken = Token });
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        _state.Dispose();
    }

    [Theory]
    [InlineData("")]
    [InlineData("liquidmetal.agent.v1.HostAgent")]
    public async Task HealthCheck_WithoutToken_ServingOnceStateIsLoaded(string service)
    {
        using var anonymous = AgentChannel.Create(_server.Address);

        var reply = await new Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListsTheAgentAndHealthServices_AndDescribesTheAgent()
    {
        using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = Wire.HostAgent.Descriptor.FullName });
        await call.RequestStream.CompleteAsync();
        var responses = await call.ResponseStream.ReadAllAsync().ToListAsync();

        var services = responses.Single(r => r.ListServicesResponse is not null).ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("liquidmetal.agent.v1.HostAgent", services);
        Assert.Contains("grpc.health.v1.Health", services);
        var file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(responses.Single(r => r.FileDescriptorResponse is not null).FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("liquidmetal.agent.v1", file.Package);
        Assert.Equal(["Apply", "GetStatus", "Watch"], file.Service.Single(s => s.Name == "HostAgent").Method.Select(m => m.Name).Order());
    }

    [Fact]
    public async Task Reflection_WithoutToken_Unauthenticated()
    {
        using var anonymous = AgentChannel.Create(_server.Address);
        using var call = new ServerReflection.ServerReflectionClient(anonymous).ServerReflectionInfo();

        try
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" });
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server may refuse the call before the request is written: the write then fails (as Cancelled, seen in
            // CI, or as a write to a completed call), and the refusal is the call's status, read below.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Watch_MoreStreamsThanKestrelsDefaultLimit_AllServedAndUnaryCallsStillAnswer()
    {
        var client = new Wire.HostAgent.HostAgentClient(_channel);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watches = Enumerable.Range(0, 150).Select(_ => client.Watch(new Wire.WatchRequest(), cancellationToken: stop.Token)).ToList();
        try
        {
            // Every stream delivers its first status while all are open.
            var firsts = await Task.WhenAll(watches.Select(async w => await w.ResponseStream.MoveNext(stop.Token) ? w.ResponseStream.Current : null));
            Assert.All(firsts, status => Assert.Equal("sled-1", status?.Host));

            var unary = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStatusAsync(new Wire.GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync));
            Assert.Equal(50, unary.Length);

            // And a change reaches every one of them.
            await client.ApplyAsync(new Wire.HostSpec { Host = "sled-1", Generation = 1, SpecHash = "sha256:one" });
            var changed = await Task.WhenAll(watches.Select(async w =>
            {
                while (await w.ResponseStream.MoveNext(stop.Token))
                {
                    if (w.ResponseStream.Current.SpecHash == "sha256:one")
                    {
                        return true;
                    }
                }

                return false;
            }));
            Assert.All(changed, Assert.True);
        }
        finally
        {
            foreach (var watch in watches)
            {
                watch.Dispose();
            }
        }
    }

    [Fact]
    public async Task Watch_WithDeadline_EndsWithDeadlineExceededAfterTheCurrentStatus()
    {
        var client = new Wire.HostAgent.HostAgentClient(_channel);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var call = client.Watch(new Wire.WatchRequest(), deadline: DateTime.UtcNow.AddMilliseconds(500));
        var received = 0;

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                received++;
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(1, received);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
    }
}
