using System.Diagnostics;

namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>
/// The systemd units in packaging/systemd as <c>systemd-analyze verify</c> reads them: with the program they name
/// swapped for the one this build made (verify checks that it exists), no error and no warning either, since verify
/// only warns about a misspelt or unknown setting, which systemd would then ignore.
/// </summary>
public sealed class SystemdUnitTests : IDisposable
{
    private const string InstalledProgram = "/usr/bin/liquidmetal";

    private readonly string _root = Directory.CreateTempSubdirectory("lm-units-").FullName;

    public static TheoryData<string> Units() => ["liquidmetal-agent.service", "liquidmetal-reconciler.service"];

    [SystemdAnalyzeTheory]
    [MemberData(nameof(Units))]
    public async Task Verify_PackagedUnit_NoErrorNoWarning(string unit)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(PackagingPaths.Packaging, "systemd", unit));
        Assert.Contains($"ExecStart={InstalledProgram} ", text);
        var copy = Path.Combine(_root, unit);
        await File.WriteAllTextAsync(copy, text.Replace($"ExecStart={InstalledProgram} ", $"ExecStart={Path.Combine(AppContext.BaseDirectory, "liquidmetal")} ", StringComparison.Ordinal));

        var (code, output) = await VerifyAsync(copy);

        Assert.True(code == 0 && output.Length == 0, $"systemd-analyze verify {unit}: exit {code}\n{output}");
    }

    [SystemdAnalyzeFact]
    public async Task Verify_UnknownSetting_Reported()
    {
        var copy = Path.Combine(_root, "misspelt.service");
        await File.WriteAllTextAsync(copy, $"[Service]\nExecStart={Path.Combine(AppContext.BaseDirectory, "liquidmetal")} --help\nKillMod=process\n");

        var (_, output) = await VerifyAsync(copy);

        // What the test above relies on: a misspelt setting is output even though the exit code stays 0.
        Assert.Contains("Unknown key 'KillMod'", output);
    }

    private static async Task<(int Code, string Output)> VerifyAsync(string unit)
    {
        var info = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "verify", "--man=no", unit })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, ((await output) + (await error)).Trim());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
