namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>How a VMM ended, in words for the status reason.</summary>
internal sealed record VmExit(string Description)
{
    public static VmExit FromExitCode(int pid, int exitCode) => exitCode switch
    {
        // .NET reports a child killed by signal N as 128 + N.
        > 128 and < 128 + 65 => new($"VMM (pid {pid}) was killed by signal {exitCode - 128} ({SignalName(exitCode - 128)})"),
        _ => new($"VMM (pid {pid}) exited with status {exitCode}"),
    };

    public static VmExit NotAChild(int pid) =>
        new($"VMM (pid {pid}) exited; its exit status is unknown because it was started by an earlier agent process");

    public static VmExit GoneAtStart(int pid) => new($"VMM (pid {pid}) was gone when the agent started");

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "signal " + signal,
    };
}
