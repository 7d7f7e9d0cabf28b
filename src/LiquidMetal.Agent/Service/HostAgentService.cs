using LiquidMetal.Agent.Core.Validation;
using LiquidMetal.Grpc;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Service;

/// <summary>
/// The gRPC face of <see cref="HostAgentCore"/>: Apply (the host's whole desired state, idempotent), GetStatus,
/// and Watch (the current status, then every change). An invalid Apply is refused whole with InvalidArgument
/// and what is wrong; an Apply older than the applied generation is FailedPrecondition; nothing running is touched.
/// </summary>
public sealed class HostAgentService(HostAgentCore core, string hostName)
{
    public async Task<Wire.ApplyResponse> ApplyAsync(Wire.ApplyRequest request, ServerCallContext context)
    {
        if (request.Spec is null)
        {
            throw new RpcException(StatusCode.InvalidArgument, "spec is required: send the host's whole desired state (an empty list of microvms means run nothing)");
        }

        if (request.Spec.Host.Length > 0 && !string.Equals(request.Spec.Host, hostName, StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.FailedPrecondition, $"this agent runs host {hostName}, not {request.Spec.Host}: check the host's agent.endpoint in the fleet");
        }

        var desired = AgentProto.ToDesired(request.Spec);
        try
        {
            var status = await core.ApplyAsync(desired, context.CancellationToken);
            return new Wire.ApplyResponse { AcceptedGeneration = desired.Generation, Status = AgentProto.ToProto(status, hostName) };
        }
        catch (DesiredStateValidationException refused)
        {
            var stale = desired.Generation < core.GetStatus().ObservedGeneration && refused.Errors.Count == 1;
            throw new RpcException(stale ? StatusCode.FailedPrecondition : StatusCode.InvalidArgument, refused.Message);
        }
    }

    public Task<Wire.HostStatus> GetStatusAsync(Wire.GetStatusRequest request, ServerCallContext context) =>
        Task.FromResult(AgentProto.ToProto(core.GetStatus(), hostName));

    public async Task WatchAsync(Wire.WatchRequest request, IServerStreamWriter<Wire.HostStatus> writer, ServerCallContext context)
    {
        await foreach (var status in core.WatchAsync(context.CancellationToken))
        {
            await writer.WriteAsync(AgentProto.ToProto(status, hostName), context.CancellationToken);
        }
    }
}
