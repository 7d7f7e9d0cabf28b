namespace LiquidMetal.Agent.Metal;

/// <summary>How a hook run ended: its exit code (null when it could not run or timed out) and the end of its stderr.</summary>
internal sealed record HookResult(int? ExitCode, string StderrTail, string Error = "")
{
    public bool Succeeded => ExitCode == 0;

    public string Describe() => ExitCode is { } code ? $"exit code {code}" : Error;
}
