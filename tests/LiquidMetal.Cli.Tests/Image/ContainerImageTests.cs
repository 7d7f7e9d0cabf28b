using System.Diagnostics;
using LiquidMetal.Cli.Tests.Packaging;
using Xunit.Abstractions;

namespace LiquidMetal.Cli.Tests.Image;

/// <summary>
/// The Dockerfile as the chart runs its image: scripts/build-image.sh builds it with buildah (from the layer cache
/// after the first time), and scripts/test-image.sh runs <c>liquidmetal --help</c> and <c>validate fleet-example</c>
/// in it as UID 10001 on a read-only root, and checks git, ssh and gpg are there and no .NET SDK is.
/// </summary>
public sealed class ContainerImageTests(ITestOutputHelper output)
{
    private const string Tag = "localhost/liquidmetal:test";

    [ContainerImageFact]
    public async Task Image_BuildAndRunAsTheChartDoes_EveryCheckPasses()
    {
        var built = await RunAsync("build-image.sh", TimeSpan.FromMinutes(10));
        Assert.True(built.ExitCode == 0, $"build-image.sh exit {built.ExitCode}\n{built.Output}\n{built.Error}");

        var tested = await RunAsync("test-image.sh", TimeSpan.FromMinutes(2));
        output.WriteLine(tested.Output);
        Assert.True(tested.ExitCode == 0, $"test-image.sh exit {tested.ExitCode}\n{tested.Output}\n{tested.Error}");
        Assert.EndsWith(", 0 failed", tested.Output.TrimEnd());
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string script, TimeSpan deadline)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(PackagingPaths.Root(), "scripts", script));
        info.ArgumentList.Add(Tag);
        using var process = Process.Start(info)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(deadline);
        return (process.ExitCode, await standardOutput, await standardError);
    }
}
