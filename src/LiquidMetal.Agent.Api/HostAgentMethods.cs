namespace LiquidMetal.Agent.Api;

/// <summary>The full gRPC method names of <c>liquidmetal.agent.v1.HostAgent</c>, shared by the agent and its clients.</summary>
public static class HostAgentMethods
{
    public const string Service = "liquidmetal.agent.v1.HostAgent";
    public const string Apply = "/" + Service + "/Apply";
    public const string GetStatus = "/" + Service + "/GetStatus";
    public const string Watch = "/" + Service + "/Watch";
}
