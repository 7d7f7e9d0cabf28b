using Grpc.Core;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>
/// grpc-js (an independent gRPC implementation) as the client of a real agent, with the agent's own agent.proto,
/// over h2c and mutual TLS: the API, its errors and limits, and the standard health and reflection services.
/// </summary>
public sealed class GrpcJsClientTests(GrpcJsClientFixture fixture) : IClassFixture<GrpcJsClientFixture>
{
    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void HealthCheck_WithoutToken_ServingForTheServerAndTheAgentService(string transport)
    {
        var result = fixture.Result(transport, "health");

        Assert.Equal("SERVING", result.Text("overall"));
        Assert.Equal("SERVING", result.Text("service"));
        Assert.Equal((int)StatusCode.NotFound, result.Number("unknownCode"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void GetStatus_WithoutToken_Unauthenticated(string transport)
    {
        var result = fixture.Result(transport, "unauthenticated");

        Assert.Equal((int)StatusCode.Unauthenticated, result.Number("code"));
        Assert.Contains("bearer token", result.Text("details"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void GetStatus_WithToken_NamesTheHostAndProvider(string transport)
    {
        var result = fixture.Result(transport, "getStatus");

        Assert.Equal(0, result.Number("code"));
        Assert.Equal(GrpcJsClientFixture.Host, result.Text("host"));
        Assert.Equal("sim", result.Text("provider"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Apply_ThenWatch_AcceptedAndBothVmsReachRunning(string transport)
    {
        var apply = fixture.Result(transport, "apply");
        var watch = fixture.Result(transport, "watch");

        Assert.Equal(0, apply.Number("code"));
        Assert.Equal(2, apply.Number("accepted"));
        Assert.Equal(2, apply.Number("vms"));
        Assert.Equal(0, watch.Number("code"));
        Assert.Equal(["interop-a", "interop-b"], watch.GetProperty("running").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("h2c", "stale", StatusCode.FailedPrecondition, "older than the applied generation 2")]
    [InlineData("tls", "stale", StatusCode.FailedPrecondition, "older than the applied generation 2")]
    [InlineData("h2c", "invalid", StatusCode.InvalidArgument, "/etc/passwd")]
    [InlineData("tls", "invalid", StatusCode.InvalidArgument, "/etc/passwd")]
    [InlineData("h2c", "wrongHost", StatusCode.FailedPrecondition, "not someone-else")]
    [InlineData("tls", "wrongHost", StatusCode.FailedPrecondition, "not someone-else")]
    public void Apply_Refused_CodeAndReasonReachGrpcJs(string transport, string scenario, StatusCode code, string reason)
    {
        var result = fixture.Result(transport, scenario);

        Assert.Equal((int)code, result.Number("code"));
        Assert.Contains(reason, result.Text("details"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Watch_GrpcJsDeadline_CurrentStatusThenDeadlineExceeded(string transport)
    {
        var result = fixture.Result(transport, "deadline");

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Number("code"));
        Assert.Equal(1, result.Number("messages"));
        Assert.InRange(result.Number("elapsedMs") ?? -1, 250, 5000);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Apply_OverTheAgentsMessageLimit_ResourceExhausted(string transport)
    {
        var result = fixture.Result(transport, "sizeOver");

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Number("code"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Watch_150StreamsOnOneConnection_AllServedBesideUnaryCalls(string transport)
    {
        var result = fixture.Result(transport, "concurrent");

        Assert.Equal(150, result.Number("watchers"));
        Assert.Equal(100, result.Number("ok"));
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public void Reflection_GrpcJsListsServicesAndReadsTheAgentsDescriptor(string transport)
    {
        var result = fixture.Result(transport, "reflection");

        Assert.Equal(0, result.Number("code"));
        var services = result.GetProperty("services").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("liquidmetal.agent.v1.HostAgent", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.True(result.Flag("describesAgent"));
    }
}
