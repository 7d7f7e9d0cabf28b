namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>A theory that runs systemd-analyze: skipped, saying why, where it is not installed.</summary>
public sealed class SystemdAnalyzeTheoryAttribute : TheoryAttribute
{
    public SystemdAnalyzeTheoryAttribute()
    {
        if (PackagingPaths.Find("systemd-analyze") is null)
        {
            Skip = "systemd-analyze is not installed: run scripts/install-test-deps.sh (Debian's systemd package has it)";
        }
    }
}
