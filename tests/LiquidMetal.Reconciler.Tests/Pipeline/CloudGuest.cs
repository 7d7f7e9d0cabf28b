using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The Debian cloud-init guest scripts/guest-image/build-cloud.sh makes (built on first use, cached after).</summary>
internal sealed record CloudGuest(string Directory, string Kernel, string Initrd, string Rootfs)
{
    /// <summary>Where build-cloud.sh keeps the guest: LIQUIDMETAL_CLOUD_GUEST_DIR, or a folder of the user's cache.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("LIQUIDMETAL_CLOUD_GUEST_DIR") is { Length: > 0 } directory ? directory
        : Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache : Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/tmp", ".cache"),
            "liquidmetal",
            "cloud-guest");

    /// <summary>The guest's files, building it first when the cache is missing or older than its recipe.</summary>
    public static CloudGuest Build([CallerFilePath] string source = "")
    {
        var script = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "scripts", "guest-image", "build-cloud.sh"));
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"build-cloud.sh failed ({process.ExitCode}): {error.Result}");
        var paths = output.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        return new CloudGuest(Path.GetDirectoryName(paths["kernel"])!, paths["kernel"], paths["initrd"], paths["rootfs"]);
    }
}
