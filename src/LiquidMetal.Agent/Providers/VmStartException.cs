namespace LiquidMetal.Agent.Providers;

/// <summary>A VMM could not be started; the message is the VM's failure reason.</summary>
internal sealed class VmStartException(string message) : Exception(message);
