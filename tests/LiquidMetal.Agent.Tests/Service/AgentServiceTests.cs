using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using LiquidMetal.Agent.Api;
using LiquidMetal.Agent.Service;
using LiquidMetal.Agent.Tests.Infrastructure;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Tests.Service;

/// <summary>The agent's gRPC service on real Kestrel, called through the generated client, with the sim provider (no processes).</summary>
public sealed class AgentServiceTests : IAsyncLifetime
{
    private readonly TempStateDirectory _state = new();
    private HostAgentCore _core = null!;
    private AgentServer _server = null!;
    private GrpcChannel _channel = null!;
    private Wire.HostAgent.HostAgentClient _client = null!;

    public async Task InitializeAsync()
    {
        _core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = _state.Path,
            Provider = ProviderKind.Sim,
            Sim = new() { BootDelay = TimeSpan.FromMilliseconds(50) },
            ImageDirectories = ["/images"],
            CpuCapacity = 64,
            MemoryCapacityMiB = 65536,
            HostName = "sled-1",
        });
        _server = await AgentServer.StartAsync(_core, "sled-1", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), MaxReceiveMessageBytes = 256 * 1024 });
        _channel = AgentChannel.Create(_server.Address);
        _client = new Wire.HostAgent.HostAgentClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        await _core.DisposeAsync();
        _state.Dispose();
    }

    internal static Wire.MicroVmSpec Vm(string id, int vcpu = 1, string kernel = "/images/vmlinuz") => new()
    {
        Id = id,
        Cluster = "k",
        Pool = "workers",
        Role = "worker",
        Vcpu = vcpu,
        MemoryMib = 256,
        Kernel = kernel,
        Initrd = "/images/initrd",
        UserData = "hostname: " + id,
        Hash = "sha256:" + id + vcpu + kernel.Length,
        Interfaces = { new Wire.NetworkInterface { Name = "eth0", Mac = "02:00:00:00:00:01" } },
    };

    internal static Wire.HostSpec Spec(long generation, params Wire.MicroVmSpec[] vms)
    {
        var spec = new Wire.HostSpec { Host = "sled-1", Generation = generation, SpecHash = $"sha256:gen{generation}" };
        spec.Microvms.AddRange(vms);
        return spec;
    }

    private async Task<Wire.HostStatus> WaitForAsync(Func<Wire.HostStatus, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Wire.HostStatus? last = null;
        var seen = 0;
        try
        {
            await foreach (var status in _client.WatchAsync(timeout.Token))
            {
                last = status;
                seen++;
                if (condition(status))
                {
                    return status;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // reported below
        }

        throw new TimeoutException($"after {seen} statuses; last: {last}; core now: {System.Text.Json.JsonSerializer.Serialize(_core.GetStatus())}");
    }

    [Fact]
    public async Task Apply_ThenWatch_VmsReachRunningAndStatusEchoesSpecHash()
    {
        var response = await _client.ApplyAsync(Spec(1, Vm("k-w-1"), Vm("k-w-2")));

        Assert.Equal(1, response.AcceptedGeneration);
        var running = await WaitForAsync(s => s.Vms.Count == 2 && s.Vms.All(v => v.State == Wire.VmState.Running));
        Assert.Equal("sled-1", running.Host);
        Assert.Equal(1, running.ObservedGeneration);
        Assert.Equal("sha256:gen1", running.SpecHash);
        Assert.Equal(2, running.Allocated.Cpu);
        Assert.Equal(64, running.Capacity.Cpu);
        Assert.Equal("sha256:k-w-1115", running.Vms.Single(v => v.Id == "k-w-1").Hash);
    }

    [Fact]
    public async Task Apply_SameStateTwice_ChangesNothing()
    {
        await _client.ApplyAsync(Spec(1, Vm("k-w-1")));
        var first = await WaitForAsync(s => s.Vms.Count == 1 && s.Vms[0].State == Wire.VmState.Running);

        await _client.ApplyAsync(Spec(1, Vm("k-w-1")));
        var second = await _client.GetStatusAsync(new Wire.GetStatusRequest());

        Assert.Equal(Wire.VmState.Running, second.Vms[0].State);
        Assert.Equal(first.Vms[0].Since, second.Vms[0].Since);
        Assert.Equal(0, second.Vms[0].Restarts);
    }

    [Fact]
    public async Task Apply_InvalidSpec_InvalidArgumentAndRunningVmsUntouched()
    {
        await _client.ApplyAsync(Spec(1, Vm("k-w-1")));
        var before = await WaitForAsync(s => s.Vms.Count == 1 && s.Vms[0].State == Wire.VmState.Running);

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(Spec(2, Vm("k-w-2", vcpu: 0), Vm("k-w-3"), Vm("k-w-3"), Vm("k-w-4", kernel: "/etc/passwd"))));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("k-w-2", error.Status.Detail);
        Assert.Contains("duplicate id", error.Status.Detail);
        Assert.Contains("/etc/passwd", error.Status.Detail);
        var after = await _client.GetStatusAsync(new Wire.GetStatusRequest());
        Assert.Equal(1, after.ObservedGeneration);
        Assert.Equal(before.Vms, after.Vms);
    }

    [Fact]
    public async Task Apply_OlderGeneration_FailedPrecondition()
    {
        await _client.ApplyAsync(Spec(5, Vm("k-w-1")));

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(Spec(4)));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("older than the applied generation 5", error.Status.Detail);
    }

    [Fact]
    public async Task Apply_TheAppliedGenerationWithOtherWork_FailedPrecondition_AndNothingChanges()
    {
        await _client.ApplyAsync(Spec(5, Vm("k-w-1")));
        var before = await WaitForAsync(s => s.Vms.Count == 1 && s.Vms[0].State == Wire.VmState.Running);

        // Built on the status before generation 5 (another writer's): it would replace k-w-1 with k-w-2 unseen.
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(Spec(5, Vm("k-w-2"))));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("generation 5 is already applied, with other work", error.Status.Detail);
        Assert.Contains("under generation 6", error.Status.Detail);
        var after = await _client.GetStatusAsync(new Wire.GetStatusRequest());
        Assert.Equal(5, after.ObservedGeneration);
        Assert.Equal(before.Vms, after.Vms);
    }

    [Fact]
    public async Task Apply_TheAppliedGenerationWithTheSameWork_IsARetry_Accepted()
    {
        await _client.ApplyAsync(Spec(5, Vm("k-w-1")));

        var again = await _client.ApplyAsync(Spec(5, Vm("k-w-1")));

        Assert.Equal(5, again.AcceptedGeneration);
        Assert.Equal("k-w-1", Assert.Single(again.Status.Vms).Id);
    }

    [Fact]
    public async Task Apply_AnOlderGenerationThatIsAlsoInvalid_InvalidArgument()
    {
        await _client.ApplyAsync(Spec(5, Vm("k-w-1")));

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(Spec(4, Vm("k-w-2", vcpu: 0))));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode); // retrying on a fresh status would not mend it
        Assert.Contains("older than the applied generation 5", error.Status.Detail);
    }

    [Fact]
    public async Task Apply_ForAnotherHost_FailedPrecondition()
    {
        var spec = Spec(1, Vm("k-w-1"));
        spec.Host = "sled-9";

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(spec));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("runs host sled-1, not sled-9", error.Status.Detail);
    }

    [Fact]
    public async Task Apply_OversizedMessage_ResourceExhaustedAndNothingChanges()
    {
        var huge = Vm("k-w-1");
        huge.UserData = new string('x', 300 * 1024);

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(Spec(1, huge)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Empty((await _client.GetStatusAsync(new Wire.GetStatusRequest())).Vms);
    }

    [Fact]
    public async Task Apply_MissingSpec_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ApplyAsync(new Wire.ApplyRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Apply_EmptySpec_DeletesEverything()
    {
        await _client.ApplyAsync(Spec(1, Vm("k-w-1"), Vm("k-w-2")));
        await WaitForAsync(s => s.Vms.Count == 2 && s.Vms.All(v => v.State == Wire.VmState.Running));

        await _client.ApplyAsync(Spec(2));

        await WaitForAsync(s => s.Vms.Count == 0 && s.ObservedGeneration == 2);
    }
}

public sealed class AgentServerSecurityTests
{
    [Fact]
    public async Task Start_PlaintextOnNonLoopback_RefusedUnlessInsecure()
    {
        using var state = new TempStateDirectory();
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions { StateDirectory = state.Path, Provider = ProviderKind.Sim });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AgentServer.StartAsync(core, "h", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Any, 0) }));
        Assert.Contains("refusing plaintext", error.Message);

        await using var insecure = await AgentServer.StartAsync(core, "h", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Any, 0), AllowInsecure = true });
        using var channel = AgentChannel.Create(new Uri($"http://127.0.0.1:{insecure.Address.Port}"));
        Assert.Equal("h", (await new Wire.HostAgent.HostAgentClient(channel).GetStatusAsync(new Wire.GetStatusRequest())).Host);
    }

    [Fact]
    public async Task Call_WithoutTheBearerToken_Unauthenticated()
    {
        using var state = new TempStateDirectory();
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions { StateDirectory = state.Path, Provider = ProviderKind.Sim });
        await using var server = await AgentServer.StartAsync(core, "h", new AgentServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = "s3cret" });

        using var anonymous = AgentChannel.Create(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => new Wire.HostAgent.HostAgentClient(anonymous).GetStatusAsync(new Wire.GetStatusRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);

        using var wrong = AgentChannel.Create(server.Address, new AgentClientOptions { BearerToken = "guess" });
        error = await Assert.ThrowsAsync<RpcException>(() => new Wire.HostAgent.HostAgentClient(wrong).GetStatusAsync(new Wire.GetStatusRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);

        using var watcher = AgentChannel.Create(server.Address);
        error = await Assert.ThrowsAsync<RpcException>(async () => await new Wire.HostAgent.HostAgentClient(watcher).WatchAsync().FirstAsync());
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);

        using var authorized = AgentChannel.Create(server.Address, new AgentClientOptions { BearerToken = "s3cret" });
        Assert.Equal("h", (await new Wire.HostAgent.HostAgentClient(authorized).GetStatusAsync(new Wire.GetStatusRequest())).Host);
    }
}
