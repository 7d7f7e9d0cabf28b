using System.Text;

namespace LiquidMetal.Reconciler.Status.Pages;

/// <summary>GitHub-flavoured Markdown pieces for the status README, safe for any text a status document holds.</summary>
internal static class Markdown
{
    /// <summary>The most rows a table lists; the rest are counted below it.</summary>
    public const int Rows = 100;

    /// <summary>
    /// Text as one table cell (or inline text) that reads as itself: line breaks made spaces, and every character
    /// Markdown or HTML could take for syntax escaped with a backslash (a reason may hold "|", "&lt;none&gt;" or "*").
    /// </summary>
    public static string Text(string? text, int width = int.MaxValue)
    {
        var line = ShortText.Line(text, width);
        if (line.AsSpan().IndexOfAny("\\`*_[]<>|~&#!") < 0)
        {
            return line;
        }

        var escaped = new StringBuilder(line.Length + 8);
        foreach (var c in line)
        {
            if ("\\`*_[]<>|~&#!".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>A link to a file or folder on the branch, relative, so it works on any Git web UI and in a clone.</summary>
    public static string Link(string text, string path) => $"[{Text(text)}]({string.Join('/', path.Split('/').Select(Uri.EscapeDataString))})";

    /// <summary>A table of <paramref name="rows"/>, every cell already Markdown (see <see cref="Text"/>); nothing without rows.</summary>
    public static void Table(StringBuilder readme, string[] header, IReadOnlyCollection<string[]> rows)
    {
        if (rows.Count == 0)
        {
            return; // a header alone says nothing
        }

        readme.Append("| ").AppendJoin(" | ", header).Append(" |\n|");
        foreach (var _ in header)
        {
            readme.Append("---|");
        }

        readme.Append('\n');
        foreach (var row in rows)
        {
            readme.Append("| ").AppendJoin(" | ", row.Select(c => c.Length == 0 ? "–" : c)).Append(" |\n");
        }

        readme.Append('\n');
    }
}
