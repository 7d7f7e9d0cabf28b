namespace LiquidMetal.Cli.Tests.Packaging;

/// <summary>A fact that runs systemd-analyze: skipped, saying why, where it is not installed.</summary>
public sealed class SystemdAnalyzeFactAttribute : FactAttribute
{
    public SystemdAnalyzeFactAttribute()
    {
        if (PackagingPaths.Find("systemd-analyze") is null)
        {
            Skip = "systemd-analyze is not installed: run scripts/install-test-deps.sh (Debian's systemd package has it)";
        }
    }
}
