namespace LiquidMetal.Agent.Persistence;

/// <summary>Thrown when another agent holds the state folder's lock.</summary>
public sealed class StateDirectoryInUseException(string message) : Exception(message);
