namespace LiquidMetal.Agent.Networking;

/// <summary>The host cannot give a VM the network its spec asks for; the message is the VM's status reason.</summary>
internal sealed class HostNetworkException(string message, Exception? inner = null) : Exception(message, inner);
