using System.Reflection;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>Where the grpc-js scripts live, and a clear failure when their packages are not installed.</summary>
public static class Interop
{
    public const string InstallCommand = "npm ci --prefix tests/LiquidMetal.Agent.Tests/interop";

    public static string Directory { get; } = typeof(Interop).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "InteropDirectory").Value!;

    /// <summary>Fails (never skips): interop is the proof that the agent speaks gRPC to an independent implementation, so its absence is an error.</summary>
    public static void EnsureInstalled()
    {
        var marker = Path.Combine(Directory, "node_modules", "@grpc", "grpc-js", "package.json");
        if (!File.Exists(marker))
        {
            throw new InvalidOperationException(
                $"grpc-js is not installed for the interop tests ({marker} is missing). " +
                $"Run from the repository root: {InstallCommand}   (or: make test-deps)");
        }
    }
}
