using System.Diagnostics;

namespace LiquidMetal.Git.Internal;

/// <summary>Runs a program to completion with arguments as a list (never a shell line), optional input and extra environment.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="program"/>; cancelling kills it (and anything it started) at once.</summary>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        byte[]? stdin = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = StartOrExplain(info);
        try
        {
            var stdout = new MemoryStream();
            var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
            var readErr = process.StandardError.ReadToEndAsync(cancellationToken);
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken);
            }

            process.StandardInput.Close();
            await Task.WhenAll(readOut, readErr);
            await process.WaitForExitAsync(cancellationToken);
            return new ProcessResult(process.ExitCode, stdout.ToArray(), await readErr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private static Process StartOrExplain(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info) ?? throw new GitException($"could not start {info.FileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException($"could not start {info.FileName} ({e.Message}): is it installed and on PATH?");
        }
    }
}
