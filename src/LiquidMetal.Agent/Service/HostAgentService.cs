using Grpc.Core;
using LiquidMetal.Agent.Core.Validation;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Service;

/// <summary>
/// The gRPC face of <see cref="HostAgentCore"/>: Apply (the host's whole desired state, idempotent), GetStatus,
/// and Watch (the current status, then its changes, at most one message per <see cref="WatchSpacing"/>, each the
/// newest). An invalid Apply is refused whole with InvalidArgument and what is wrong; an Apply older than the applied
/// generation, or of the applied generation with other work, is FailedPrecondition; nothing running is touched.
/// </summary>
public sealed class HostAgentService(HostAgentCore core, AgentIdentity identity) : Wire.HostAgent.HostAgentBase
{
    /// <summary>
    /// How far apart a Watch stream's messages are at least. A host whose VMs boot changes state dozens of times in a
    /// second, and a reconciler needs only the newest: each message is the status when it is sent.
    /// </summary>
    public static readonly TimeSpan WatchSpacing = TimeSpan.FromMilliseconds(100);

    public override async Task<Wire.ApplyResponse> Apply(Wire.ApplyRequest request, ServerCallContext context)
    {
        if (request.Spec is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "spec is required: send the host's whole desired state (an empty list of microvms means run nothing)"));
        }

        if (request.Spec.Host.Length > 0 && !string.Equals(request.Spec.Host, identity.HostName, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this agent runs host {identity.HostName}, not {request.Spec.Host}: check the host's agent.endpoint in the fleet"));
        }

        var desired = AgentProto.ToDesired(request.Spec);
        try
        {
            var status = await core.ApplyAsync(desired, context.CancellationToken);
            return new Wire.ApplyResponse { AcceptedGeneration = desired.Generation, Status = AgentProto.ToProto(status, identity.HostName) };
        }
        catch (DesiredStateValidationException refused)
        {
            throw new RpcException(new Status(refused.Stale ? StatusCode.FailedPrecondition : StatusCode.InvalidArgument, refused.Message));
        }
    }

    public override Task<Wire.HostStatus> GetStatus(Wire.GetStatusRequest request, ServerCallContext context) =>
        Task.FromResult(AgentProto.ToProto(core.GetStatus(), identity.HostName));

    public override async Task Watch(Wire.WatchRequest request, IServerStreamWriter<Wire.HostStatus> responseStream, ServerCallContext context)
    {
        await foreach (var status in core.WatchAsync(WatchSpacing, context.CancellationToken))
        {
            await responseStream.WriteAsync(AgentProto.ToProto(status, identity.HostName), context.CancellationToken);
        }
    }
}
