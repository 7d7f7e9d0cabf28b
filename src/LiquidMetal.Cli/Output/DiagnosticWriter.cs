using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Cli.Output;

/// <summary>Prints diagnostics as <c>path:line:col: error: message</c>, paths as the user can open them (under the directory they named).</summary>
internal static class DiagnosticWriter
{
    public static void Write(TextWriter error, string directory, IEnumerable<Diagnostic> diagnostics)
    {
        var count = 0;
        foreach (var diagnostic in diagnostics)
        {
            var file = diagnostic.Location.File;
            var shown = Path.IsPathRooted(file) || file == directory ? file : Path.Join(directory, file);
            error.WriteLine((diagnostic with { Location = diagnostic.Location with { File = shown } }).ToString());
            count++;
        }

        error.WriteLine($"{directory}: {count} error(s)");
    }
}
