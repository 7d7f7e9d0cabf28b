using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Networking;

/// <summary>
/// A VM's NIC on the host: a tap device the VMM creates itself when it starts (QEMU and Firecracker both do, as
/// root) and that vanishes when the VMM exits, so nothing leaks when a VMM dies. The agent only joins it to the
/// configured bridge and brings it up, which is what QEMU's ifup script would otherwise do.
/// </summary>
internal static partial class TapBridge
{
    /// <summary>The host-side device name for a VM: "lm" and 12 hex digits of its id's hash (Linux allows 15 characters).</summary>
    public static string TapName(string vmId) => "lm" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(vmId)))[..12];

    /// <summary>Waits for the VMM to create <paramref name="tap"/>, then joins it to <paramref name="bridge"/> and brings it up.</summary>
    public static async Task AttachAsync(string tap, string bridge, ILogger logger, CancellationToken cancellationToken = default)
    {
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!Directory.Exists($"/sys/class/net/{tap}"))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    Log.TapMissing(logger, tap, bridge);
                    return;
                }

                await Task.Delay(20, cancellationToken);
            }

            if (IsAttached(tap, bridge))
            {
                return;
            }

            await IpAsync(["link", "set", "dev", tap, "master", bridge], cancellationToken);
            await IpAsync(["link", "set", "dev", tap, "up"], cancellationToken);
            Log.Attached(logger, tap, bridge);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Log.AttachFailed(logger, tap, bridge, e.Message);
        }
        catch (OperationCanceledException)
        {
            // The VM went away first.
        }
    }

    /// <summary>Whether <paramref name="tap"/> is a port of <paramref name="bridge"/>.</summary>
    public static bool IsAttached(string tap, string bridge)
    {
        var master = new FileInfo($"/sys/class/net/{tap}/master");
        return master.LinkTarget is { } target && Path.GetFileName(target) == bridge;
    }

    private static async Task IpAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run ip");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "tap {Tap} joined bridge {Bridge}")]
        public static partial void Attached(ILogger logger, string tap, string bridge);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "tap {Tap} could not join bridge {Bridge}: {Error}")]
        public static partial void AttachFailed(ILogger logger, string tap, string bridge, string error);

        [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "tap {Tap} did not appear within 10 s; not joined to bridge {Bridge}")]
        public static partial void TapMissing(ILogger logger, string tap, string bridge);
    }
}
