using System.Diagnostics;
using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Providers.NoCloud;

/// <summary>
/// Writes a VM's NoCloud seed as an ISO 9660 image labelled "cidata" (the label cloud-init looks for) with genisoimage,
/// Joliet and Rock Ridge on, as cloud-localds does. The VMM attaches it read-only.
/// </summary>
internal static class CidataImage
{
    public const string Program = "genisoimage";

    public static string ImagePath(VmLaunch launch) => Path.Combine(launch.Directory, "cidata.iso");

    public static string SourceDirectory(VmLaunch launch) => Path.Combine(launch.Directory, "cidata");

    public static async Task WriteAsync(VmLaunch launch, CancellationToken cancellationToken)
    {
        var binary = DetachedProcess.Resolve(Program) ?? throw new VmStartException(
            $"{Program} is not installed (apt-get install genisoimage): every VM gets its NoCloud data on a cidata volume made with it");

        // The user-data may carry bootstrap tokens: the sources and the image are readable by the agent's user alone.
        var source = SourceDirectory(launch);
        if (Directory.Exists(source))
        {
            Directory.Delete(source, recursive: true);
        }

        Directory.CreateDirectory(source, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var (name, content) in NoCloudSeed.Files(launch.Spec))
        {
            await PrivateFile.WriteAsync(Path.Combine(source, name), content, cancellationToken);
        }

        var image = ImagePath(launch);
        var partial = image + ".partial";
        File.Delete(partial);
        var info = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-quiet", "-output", partial, "-volid", "cidata", "-joliet", "-rock", source })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new VmStartException($"could not run {binary}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await output;
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new VmStartException($"{Program} could not write the cidata image (exit {process.ExitCode}): {errors.Trim()}");
        }

        File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(partial, image, overwrite: true);
    }
}
