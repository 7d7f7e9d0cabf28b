namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// A fact that boots the Debian cloud guest on two sleds: it needs what <see cref="NetnsFactAttribute"/> needs (root,
/// QEMU, iproute2), genisoimage for the guests' cidata volumes, and the guest built or mmdebstrap to build it. Skipped,
/// saying which is missing, elsewhere.
/// </summary>
public sealed class CloudGuestFactAttribute : FactAttribute
{
    public CloudGuestFactAttribute()
    {
        Skip = new NetnsFactAttribute().Skip;
        if (Skip is not null)
        {
            return;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':');
        if (!path.Any(d => File.Exists(Path.Combine(d, "genisoimage"))))
        {
            Skip = "genisoimage is not installed (the agent makes each guest's cidata volume with it): run scripts/install-test-deps.sh";
        }
        else if (!File.Exists(Path.Combine(CloudGuest.CacheDirectory, "rootfs.ext4")) && !path.Any(d => File.Exists(Path.Combine(d, "mmdebstrap"))))
        {
            Skip = $"the Debian cloud guest is not built in {CloudGuest.CacheDirectory} and mmdebstrap is missing to build it: run make test-deps as root";
        }
    }
}
