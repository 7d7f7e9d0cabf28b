using System.Diagnostics;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>Runs the independent tools (openssl, kubectl) these tests check our output with.</summary>
internal static class Tools
{
    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(System.IO.Path.Combine(folder, program)));

    /// <summary>Runs <paramref name="script"/> under bash in <paramref name="directory"/>; fails the test on a non-zero exit.</summary>
    public static async Task<string> Bash(string script, string directory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{script}' did not finish in time");
        }

        Assert.True(process.ExitCode == 0, $"'{script}' exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}

/// <summary>A fact that checks our output with openssl; skipped where openssl is not installed.</summary>
public sealed class OpensslFactAttribute : FactAttribute
{
    public OpensslFactAttribute()
    {
        if (!Tools.OnPath("openssl"))
        {
            Skip = "openssl is not installed (apt-get install openssl)";
        }
    }
}

/// <summary>A fact that runs kubectl against the in-test API server; skipped where kubectl is not on PATH.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (!Tools.OnPath("kubectl"))
        {
            Skip = "kubectl is not on PATH: the kubeconfig is then only checked with KubernetesClient";
        }
    }
}
