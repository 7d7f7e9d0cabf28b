using System.Globalization;
using System.Text;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>Json.NET paths ("spec.workerPools[1].vcpu"): how <see cref="YamlTree"/> keys the location of every value.</summary>
public static class YamlPath
{
    // Characters in a property name that make Json.NET bracket and quote it.
    private static readonly char[] SpecialCharacters = ['.', ' ', '\'', '/', '"', '[', ']', '(', ')', '\t', '\n', '\r', '\f', '\b', '\\', '\u0085', '\u2028', '\u2029'];

    /// <summary>Json.NET's path segment for a property name: bare after a dot, or bracketed and quoted when it has special characters.</summary>
    public static string Child(string parent, string name)
    {
        if (name.Length > 0 && name.IndexOfAny(SpecialCharacters) < 0)
        {
            return parent.Length == 0 ? name : parent + "." + name;
        }

        var escaped = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            escaped.Append(c switch
            {
                '\'' => "\\'",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\f' => "\\f",
                '\b' => "\\b",
                '\u0085' => "\\u0085",
                '\u2028' => "\\u2028",
                '\u2029' => "\\u2029",
                _ => c.ToString(),
            });
        }

        return $"{parent}['{escaped}']";
    }

    public static string Index(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";
}
