using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiquidMetal.Agent.Persistence;

/// <summary>The JSON shape of the state files: camelCase, enums by name, indented for people reading them.</summary>
internal static class StateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
