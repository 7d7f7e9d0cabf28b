using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>A fact that runs the real Firecracker binary; skipped where it is not on PATH (it is not packaged for Debian).</summary>
public sealed class FirecrackerFactAttribute : FactAttribute
{
    public FirecrackerFactAttribute()
    {
        if (DetachedProcess.Resolve("firecracker") is null)
        {
            Skip = "firecracker is not on PATH (it is not in Debian and cannot be downloaded here); install it to run this test";
        }
    }
}
