namespace LiquidMetal.Agent.Networking;

/// <summary>The kinds of host network device the agent tells apart.</summary>
internal enum NetDeviceKind
{
    Other,
    Bridge,
    Tap,
}
