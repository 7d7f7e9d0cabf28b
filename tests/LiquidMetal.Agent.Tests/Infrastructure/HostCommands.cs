using System.Diagnostics;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Runs host tools (ip, bridge, isoinfo, cloud-init) for tests that check the real thing.</summary>
internal static class HostCommands
{
    /// <summary>Exit code and standard output; exit -1 when the program is not installed.</summary>
    public static (int Exit, string Output, string Errors) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, errors.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, string.Empty, $"{program} is not installed");
        }
    }

    public static bool Ip(params string[] arguments) => Run("ip", arguments).Exit == 0;
}
