using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Providers.Firecracker;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.Providers;

[Collection(QemuCollection.Name)]
public sealed class FirecrackerProviderTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [FirecrackerFact]
    public async Task Apply_FirecrackerVm_ReachesRunningOrFailsWithAReason()
    {
        // Firecracker boots an uncompressed vmlinux; LIQUIDMETAL_FIRECRACKER_KERNEL names one when the guest image's bzImage will not do.
        var kernel = Environment.GetEnvironmentVariable("LIQUIDMETAL_FIRECRACKER_KERNEL") ?? GuestImage.Get().Kernel;
        var images = Path.GetDirectoryName(kernel)!;
        await using var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = _dir.Path,
            Provider = ProviderKind.Firecracker,
            Firecracker = new FirecrackerOptions(),
            ImageDirectories = [images, GuestImage.Get().Directory],
            BootDeadline = TimeSpan.FromSeconds(20),
        });

        await core.ApplyAsync(TestSpecs.Desired(1, TestSpecs.Vm("fc-1", kernel, GuestImage.Get().Initrd)));
        var status = await core.WaitForAsync(s => s.Has("fc-1", VmState.Running) || s.Has("fc-1", VmState.Failed), TimeSpan.FromSeconds(30));

        var vm = status.Vm("fc-1");
        Assert.True(vm.State == VmState.Running || vm.Reason.Length > 0, vm.Reason);
    }

    public void Dispose() => _dir.Dispose();
}
