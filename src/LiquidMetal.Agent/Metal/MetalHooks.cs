namespace LiquidMetal.Agent.Metal;

/// <summary>The executables that turn this host into a metal node of a cluster and back.</summary>
/// <param name="Bootstrap">Run once per assignment, with the rendered user-data on stdin.</param>
/// <param name="Reset">Run when the assignment is released.</param>
internal sealed record MetalHooks(string? Bootstrap, string? Reset, TimeSpan Timeout);
