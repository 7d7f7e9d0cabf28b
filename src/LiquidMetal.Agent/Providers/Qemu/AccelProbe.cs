using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>
/// Decides between KVM and TCG by booting a probe guest under KVM: where nested
/// virtualization is broken /dev/kvm exists yet guests hang, so only a guest that prints its
/// kernel banner within the timeout proves KVM works. Decided once per agent process.
/// </summary>
internal sealed partial class AccelProbe(string qemuBinary, TimeSpan timeout, TimeProvider time, ILogger logger)
{
    // The real-mode setup code prints before a broken KVM hangs; the banner comes from the kernel proper.
    private const string KernelBanner = "Linux version";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Decided = new(StringComparer.Ordinal);

    public Task<string> ResolveAsync(QemuAccel configured, string kernel) => configured switch
    {
        QemuAccel.Kvm => Task.FromResult("kvm"),
        QemuAccel.Tcg => Task.FromResult("tcg"),
        _ => ResolveAutoAsync(kernel),
    };

    /// <summary>The accelerator chosen so far, for the status; null before the first VM started.</summary>
    public string? Current(QemuAccel configured) => configured switch
    {
        QemuAccel.Kvm => "kvm",
        QemuAccel.Tcg => "tcg",
        _ => Decided.TryGetValue(qemuBinary, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null,
    };

    private async Task<string> ResolveAutoAsync(string kernel)
    {
        var decision = Decided.GetOrAdd(qemuBinary, _ => new Lazy<Task<string>>(() => ProbeAsync(kernel)));
        try
        {
            return await decision.Value;
        }
        catch
        {
            // A probe that could not run decided nothing: the next VM probes again.
            Decided.TryRemove(KeyValuePair.Create(qemuBinary, decision));
            throw;
        }
    }

    private async Task<string> ProbeAsync(string kernel)
    {
        if (!File.Exists(kernel))
        {
            throw new VmStartException($"kernel {kernel} does not exist");
        }

        if (!File.Exists("/dev/kvm"))
        {
            Log.NoKvmDevice(logger);
            return "tcg";
        }

        var started = time.GetTimestamp();
        var info = new ProcessStartInfo(qemuBinary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[]
        {
            "-M", "microvm", "-accel", "kvm", "-cpu", "host", "-m", "128", "-smp", "1",
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-kernel", kernel, "-append", "console=ttyS0 panic=-1", "-serial", "stdio",
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var sawBanner = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(KernelBanner, StringComparison.Ordinal) == true)
            {
                sawBanner.TrySetResult(true);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        var finished = await Task.WhenAny(sawBanner.Task, exited, Task.Delay(timeout, time));
        var works = finished == sawBanner.Task;
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }

        await process.WaitForExitAsync();
        var accel = works ? "kvm" : "tcg";
        Log.Probed(logger, accel, (long)time.GetElapsedTime(started).TotalMilliseconds);
        return accel;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "No /dev/kvm: QEMU guests run under TCG (software emulation)")]
        public static partial void NoKvmDevice(ILogger logger);

        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "KVM probe chose {Accel} after {ElapsedMs} ms")]
        public static partial void Probed(ILogger logger, string accel, long elapsedMs);
    }
}
