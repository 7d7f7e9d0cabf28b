namespace LiquidMetal.Agent.Service;

/// <summary>The host an agent serves: the name it answers to, and refuses other hosts' specs under.</summary>
public sealed record AgentIdentity(string HostName);
