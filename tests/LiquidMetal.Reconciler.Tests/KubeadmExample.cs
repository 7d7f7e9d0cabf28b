using System.Runtime.CompilerServices;
using System.Text;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Loading;

namespace LiquidMetal.Reconciler.Tests;

/// <summary>fleet-example with some clusters' own user-data removed: those bootstrap with kubeadm.</summary>
internal static class KubeadmExample
{
    /// <summary>A cluster file without its spec.bootstrap (a kubeadm cluster).</summary>
    public static string WithoutUserData(string text)
    {
        var start = text.IndexOf("  bootstrap:", StringComparison.Ordinal);
        return text[..start] + text[text.IndexOf("  network:", start, StringComparison.Ordinal)..];
    }

    /// <summary>fleet-example compiled with <paramref name="clusters"/> as kubeadm clusters.</summary>
    public static CompiledFleet Compile(params string[] clusters)
    {
        var example = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "fleet-example"));
        var files = Directory.EnumerateFiles(example, "*.yaml", SearchOption.AllDirectories).Select(path =>
        {
            var relative = Path.GetRelativePath(example, path).Replace('\\', '/');
            var text = File.ReadAllText(path);
            return new FleetFile(relative, Encoding.UTF8.GetBytes(clusters.Any(c => relative == $"clusters/{c}.yaml") ? WithoutUserData(text) : text));
        }).ToList();
        var compiled = FleetCompiler.Compile(files);
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        return compiled;
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
