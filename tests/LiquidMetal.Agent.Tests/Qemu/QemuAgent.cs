using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Qemu;

/// <summary>Options for agent cores that boot real guests under TCG.</summary>
internal static class QemuAgent
{
    public static HostAgentOptions Options(TempStateDirectory dir) => new()
    {
        StateDirectory = Path.Combine(dir.Path, "s"),
        Provider = ProviderKind.Qemu,
        Qemu = new QemuOptions { Accel = QemuAccel.Tcg },
        ImageDirectories = [GuestImage.Get().Directory, dir.Images],
        BootDeadline = TimeSpan.FromSeconds(45),
        StopGracePeriod = TimeSpan.FromSeconds(20),
        RestartBackoffInitial = TimeSpan.FromMilliseconds(200),
    };

    public static string VmDirectory(TempStateDirectory dir, string vmId) => Path.Combine(dir.Path, "s", "vms", vmId);
}
