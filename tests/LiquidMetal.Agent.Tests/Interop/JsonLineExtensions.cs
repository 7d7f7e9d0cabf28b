using System.Text.Json;

namespace LiquidMetal.Agent.Tests.Interop;

/// <summary>Lenient reads of the node scripts' JSON lines: a missing property is null, not an exception.</summary>
public static class JsonLineExtensions
{
    public static string? Text(this JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? Number(this JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    public static bool? Flag(this JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
}
