using System.Globalization;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// The YAML 1.2 core schema's types for plain scalars, as <see cref="YamlTree"/> reads them: <c>yes</c> and <c>on</c>
/// stay strings (YAML 1.1 made them booleans), <c>1.30</c> is a number, <c>0x1f</c> an integer.
/// </summary>
public static class YamlCoreSchema
{
    /// <summary>A plain (unquoted, untagged) scalar typed by the YAML 1.2 core schema: null, bool, integer (decimal or 0x), float, else string.</summary>
    public static JValue Plain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return JValue.CreateNull();
            case "true" or "True" or "TRUE":
                return new JValue(true);
            case "false" or "False" or "FALSE":
                return new JValue(false);
        }

        if (LooksNumeric(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return new JValue(integer);
            }

            if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return new JValue(hex);
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
            {
                return new JValue(real);
            }
        }

        return new JValue(text);
    }

    private static bool LooksNumeric(string text)
    {
        var c = text[0];
        return char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && text.Length > 1 && (char.IsAsciiDigit(text[1]) || text[1] == '.'));
    }
}
