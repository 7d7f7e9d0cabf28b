using LiquidMetal.Agent.Networking;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Providers.Firecracker;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Providers.Sim;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Providers;

/// <summary>Creates the configured provider and checks what it needs from the state folder.</summary>
internal static class ProviderFactory
{
    // Unix socket paths hold at most 107 bytes.
    private const int MaxSocketPathBytes = 107;
    private const int MaxVmIdLength = 63;

    public static IVmProvider Create(HostAgentOptions options, TimeProvider time, ILogger logger) => options.Provider switch
    {
        ProviderKind.Qemu => new QemuProvider(options.Qemu, time, logger),
        ProviderKind.Firecracker => new FirecrackerProvider(options.Firecracker, time, logger),
        _ => new SimProvider(options.Sim, time),
    };

    /// <summary>Real VMMs get real taps; the simulator's VMs have nothing on the host.</summary>
    public static IHostNetwork CreateNetwork(HostAgentOptions options, string stateDirectory, ILogger logger) => options.Provider switch
    {
        ProviderKind.Sim => NoHostNetwork.Instance,
        _ => new TapNetwork(new LinuxNetDevices(), TapOwner.AgentMark(stateDirectory), options.Bridge, logger),
    };

    /// <summary>QEMU's console and QMP sockets live in the VM folders, so the state folder path must leave them room.</summary>
    public static void CheckStateDirectory(HostAgentOptions options, StateStore store)
    {
        var longest = QemuCommandLine.ConsoleSocket(new VmLaunch(new Core.VmSpec { Id = "x", Vcpu = 1, MemoryMiB = 1, Kernel = "/" }, store.VmDirectory(new string('x', MaxVmIdLength))));
        if (options.Provider == ProviderKind.Qemu && System.Text.Encoding.UTF8.GetByteCount(longest) > MaxSocketPathBytes)
        {
            throw new ArgumentException(
                $"state folder {store.Directory} is too long for QEMU's control sockets ({longest.Length} > {MaxSocketPathBytes} bytes); choose a shorter --state-dir",
                nameof(options));
        }

        if (store.Directory.Contains(',', StringComparison.Ordinal))
        {
            // QEMU option values are comma-separated; the folder also marks each VMM's command line.
            throw new ArgumentException($"state folder {store.Directory} must not contain a comma", nameof(options));
        }
    }
}
