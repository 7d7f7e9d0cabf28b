using System.Diagnostics;

namespace LiquidMetal.Bench;

/// <summary>A `liquidmetal agent` process, started and stopped by a benchmark.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AgentProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public static async Task<AgentProcess> StartAsync(string cli, params string[] arguments)
    {
        var info = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("agent");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var at = line.IndexOf(" listening on ", StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = DrainAsync(process);
                return new AgentProcess(process, new Uri(line[(at + 14)..].Split(' ')[0]));
            }
        }

        throw new InvalidOperationException("the agent exited before it listened");
    }

    /// <summary>Resident and peak memory of the agent process, from /proc.</summary>
    public (long RssMiB, long PeakMiB) Memory()
    {
        long Field(string name) => File.ReadLines($"/proc/{Pid}/status").Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024).First();
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static async Task DrainAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is not null)
        {
        }
    }
}
