using System.Runtime.CompilerServices;

namespace LiquidMetal.Fleet.Tests;

/// <summary>
/// Output compared byte for byte with a file checked in beside the test. LIQUIDMETAL_UPDATE_GOLDEN=1 rewrites the files
/// instead: for a change meant to alter the bytes, whose diff then shows in review what every reader of them will see.
/// </summary>
internal static class Golden
{
    public static void Check(string name, string actual, [CallerFilePath] string caller = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(caller)!, "Golden", name);
        if (Environment.GetEnvironmentVariable("LIQUIDMETAL_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"no golden file {path}; run the test with LIQUIDMETAL_UPDATE_GOLDEN=1 to write it");
        var expected = File.ReadAllText(path);
        if (expected != actual)
        {
            var at = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Length, actual.Length));
            var line = expected.AsSpan(0, at).Count('\n') + 1;
            Assert.Fail($"{name} differs from {path} first at line {line}: expected \"{Excerpt(expected, at)}\", wrote \"{Excerpt(actual, at)}\"");
        }
    }

    /// <summary>Documents one after another, each under a "==> name <==" line (as head prints several files).</summary>
    public static string Join(IEnumerable<(string Name, string Text)> documents) =>
        string.Concat(documents.Select(d => $"==> {d.Name} <==\n{d.Text}"));

    private static string Excerpt(string text, int at) =>
        text.Substring(Math.Max(0, at - 20), Math.Min(text.Length, at + 20) - Math.Max(0, at - 20)).ReplaceLineEndings("\\n");
}
