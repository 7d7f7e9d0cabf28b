using System.Diagnostics;
using System.Text;

namespace LiquidMetal.Agent.Metal;

/// <summary>Runs a metal hook: an executable with the user-data on stdin and the assignment in its environment.</summary>
internal static class HookRunner
{
    private const int StderrTailBytes = 4096;

    public static async Task<HookResult> RunAsync(
        string path,
        string standardInput,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new HookResult(null, string.Empty, $"could not run hook {path}: {e.Message}");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            try
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The hook did not read its input; its exit code says whether that mattered.
            }

            using var timeoutSource = new CancellationTokenSource(timeout, time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return new HookResult(null, Tail(await stderr), $"hook {path} did not finish within {timeout.TotalSeconds:0} s and was killed");
            }

            await stdout;
            return new HookResult(process.ExitCode, Tail(await stderr));
        }
    }

    private static string Tail(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= StderrTailBytes ? text.TrimEnd() : Encoding.UTF8.GetString(bytes, bytes.Length - StderrTailBytes, StderrTailBytes).TrimEnd();
    }
}
