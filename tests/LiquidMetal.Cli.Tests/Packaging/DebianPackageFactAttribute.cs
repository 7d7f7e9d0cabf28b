namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>
/// A test of the .deb through dpkg: it needs root (dpkg, adduser, the mounts of its throwaway root) and the package.
/// Under <c>make test</c> the package is always there (make builds it first), so it never skips for want of it.
/// </summary>
public sealed class DebianPackageFactAttribute : FactAttribute
{
    public DebianPackageFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || PackagingPaths.Find("dpkg") is null)
        {
            Skip = "not a Debian system: dpkg is missing";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "installing a package with dpkg needs root (make test runs it so in CI)";
        }
        else if (PackagingPaths.Deb() is null)
        {
            Skip = "no package in artifacts/deb: make deb builds it (make test does, and names it in " + PackagingPaths.DebVariable + ")";
        }
    }
}
