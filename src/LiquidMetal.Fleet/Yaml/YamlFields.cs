using System.Globalization;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Yaml;

/// <summary>
/// Reads fields of a mapping from <see cref="YamlTree"/> that no schema has checked (status documents, verify.mode
/// before a revision is loaded): a field of the wrong shape is absent or a <see cref="FormatException"/>, never a cast error.
/// </summary>
public static class YamlFields
{
    /// <summary>A scalar's text: a string as it is, a number or boolean as YAML spells it, null for null or a collection.</summary>
    public static string? AsText(JToken? token) => token is JValue value
        ? value.Type switch
        {
            JTokenType.String => (string)value.Value!,
            JTokenType.Integer => Convert.ToString(value.Value, CultureInfo.InvariantCulture),
            JTokenType.Float => ((double)value.Value!).ToString("R", CultureInfo.InvariantCulture),
            JTokenType.Boolean => (bool)value.Value! ? "true" : "false",
            _ => null,
        }
        : null;

    public static string? Text(this JObject node, string key) => AsText(node[key]);

    public static string RequiredText(this JObject node, string key) =>
        node.Text(key) ?? throw new FormatException($"{Where(node)}missing '{key}'");

    public static long Number(this JObject node, string key) => node[key] is JValue { Type: JTokenType.Integer } integer
        ? Convert.ToInt64(integer.Value, CultureInfo.InvariantCulture)
        : long.Parse(node.RequiredText(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>true for YAML's true and for the string "true" in any case (Kubernetes writes condition status "True").</summary>
    public static bool Flag(this JObject node, string key) => node[key] is JValue { Type: JTokenType.Boolean } flag
        ? (bool)flag.Value!
        : string.Equals(node.RequiredText(key), "true", StringComparison.OrdinalIgnoreCase);

    public static DateTimeOffset? Time(this JObject node, string key) =>
        node.Text(key) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : null;

    public static JObject? Mapping(this JObject node, string key) => node[key] as JObject;

    public static IEnumerable<JToken> Items(this JObject node, string key) => node[key] as JArray ?? [];

    private static string Where(JObject node) => node.Path.Length == 0 ? string.Empty : node.Path + ": ";
}
