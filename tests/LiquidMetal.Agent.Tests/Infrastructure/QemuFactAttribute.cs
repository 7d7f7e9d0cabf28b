using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>A fact that boots real QEMU guests; skipped, with the fix in the message, where QEMU is missing.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (DetachedProcess.Resolve("qemu-system-x86_64") is null)
        {
            Skip = "qemu-system-x86_64 is not installed: run scripts/install-test-deps.sh";
        }
    }
}
