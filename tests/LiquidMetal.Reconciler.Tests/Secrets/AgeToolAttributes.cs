using LiquidMetal.Reconciler.Tests.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Secrets;

/// <summary>A test that runs Debian's age tool; skipped, saying so, where it is not installed (install-test-deps.sh installs it).</summary>
public sealed class AgeToolFactAttribute : FactAttribute
{
    public AgeToolFactAttribute()
    {
        if (AgeTool.Missing is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that runs Debian's age tool; skipped like <see cref="AgeToolFactAttribute"/>.</summary>
public sealed class AgeToolTheoryAttribute : TheoryAttribute
{
    public AgeToolTheoryAttribute()
    {
        if (AgeTool.Missing is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class AgeTool
{
    public static string? Missing => Tools.OnPath("age") && Tools.OnPath("age-keygen")
        ? null
        : "age and age-keygen are not on PATH (Debian package age; scripts/install-test-deps.sh installs it)";
}
