using System.Diagnostics;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>The guest kernel and initramfs scripts/guest-image/build.sh makes; built on first use, cached after.</summary>
internal sealed record GuestImage(string Directory, string Kernel, string Initrd)
{
    private static readonly Lazy<GuestImage> Built = new(Build);

    public static GuestImage Get() => Built.Value;

    private static GuestImage Build()
    {
        var script = Path.Combine(RepositoryRoot.Find(), "scripts", "guest-image", "build.sh");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {errors.Result}");
        }

        var paths = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        var kernel = paths["kernel"];
        return new GuestImage(Path.GetDirectoryName(kernel)!, kernel, paths["initrd"]);
    }
}
