using System.Reflection;

namespace LiquidMetal.Agent;

/// <summary>Facts about this agent build, reported in its status.</summary>
internal static class AgentInfo
{
    public static string Version { get; } =
        typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
