using System.Runtime.CompilerServices;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Finds the repository (for scripts/), wherever the build output went.</summary>
internal static class RepositoryRoot
{
    public static string Find([CallerFilePath] string sourceFile = "")
    {
        var starts = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "." };
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "guest-image", "build.sh")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository root (scripts/guest-image/build.sh) from " + string.Join(", ", starts));
    }
}
