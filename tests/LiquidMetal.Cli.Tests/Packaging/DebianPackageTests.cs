using System.Diagnostics;

namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>
/// The Debian package as an operator gets it: packaging/test-deb.sh installs it with dpkg, checks the user, files,
/// modes and conffiles, runs the installed program, verifies the installed units, reinstalls, removes and purges it,
/// and finds nothing left; all in a throwaway overlay of this machine's root, which the test never changes.
/// </summary>
public sealed class DebianPackageTests
{
    [DebianPackageFact]
    public async Task Package_InstallRunRemovePurge_EveryCheckPasses()
    {
        var deb = PackagingPaths.Deb()!;
        Assert.True(File.Exists(deb), $"{deb} does not exist: make deb builds it");

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(PackagingPaths.Packaging, "test-deb.sh"));
        info.ArgumentList.Add(deb);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(process.ExitCode == 0, $"test-deb.sh exit {process.ExitCode}\n{await output}\n{await error}");
        Assert.EndsWith(", 0 failed", (await output).TrimEnd());
    }
}
