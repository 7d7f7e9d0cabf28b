using LiquidMetal.Cli.Tests.Packaging;

namespace LiquidMetal.Cli.Tests.Image;

/// <summary>
/// A test of the container image: it needs buildah (make test-deps installs it), mmdebstrap for the base, and root
/// for buildah's chroot isolation and the mounts that run the image read-only.
/// </summary>
public sealed class ContainerImageFactAttribute : FactAttribute
{
    public ContainerImageFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || PackagingPaths.Find("buildah") is null)
        {
            Skip = "buildah is missing: scripts/install-test-deps.sh installs it (make test-deps)";
        }
        else if (PackagingPaths.Find("mmdebstrap") is null)
        {
            Skip = "mmdebstrap is missing: the image's base is assembled with it (make test-deps)";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "building and running the image with buildah needs root here (make test runs it so in CI)";
        }
    }
}
