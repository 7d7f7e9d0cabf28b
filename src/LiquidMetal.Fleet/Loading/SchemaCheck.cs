using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Fleet.Loading;

/// <summary>What <see cref="SchemaCheck"/> can tell about a document.</summary>
internal enum Verdict
{
    /// <summary>Every rule it states holds: the full validator would find nothing.</summary>
    Valid,

    /// <summary>Some rule is certainly broken.</summary>
    Invalid,

    /// <summary>Not decided here (a null, a float, non-ASCII text under a length or pattern rule, a keyword it does not know).</summary>
    Unknown,
}

/// <summary>
/// A quick first check of a document against one of the fleet's schemas, compiled once from the schema's JSON. It
/// allocates nothing for a valid document, where NJsonSchema's validator allocated about 50 KB per document: half of
/// what a 1,000-host load allocated. Only <see cref="Verdict.Valid"/> lets the loader skip NJsonSchema; every other
/// verdict goes to it, and it alone words the errors. So this check must never call valid what NJsonSchema refuses, and
/// it answers <see cref="Verdict.Unknown"/> wherever NJsonSchema's reading of a rule could differ from its own.
/// Each keyword's verdict is certain both ways, so <c>not</c>, <c>anyOf</c> and <c>allOf</c> combine them soundly.
/// </summary>
internal sealed class SchemaCheck
{
    /// <summary>Keywords that state no rule.</summary>
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description", "definitions", "examples", "default"];

    private readonly bool unknownKeyword;
    private readonly JTokenType[]? types;
    private readonly JValue[]? enumeration;
    private readonly string[] required = [];
    private readonly Dictionary<string, SchemaCheck>? properties;
    private readonly bool closed;
    private readonly SchemaCheck? additional;
    private readonly Regex? pattern;
    private readonly int? minLength;
    private readonly int? maxLength;
    private readonly long? minimum;
    private readonly long? maximum;
    private readonly SchemaCheck? items;
    private readonly int? minItems;
    private readonly bool uniqueItems;
    private readonly SchemaCheck? not;
    private readonly SchemaCheck[]? allOf;
    private readonly SchemaCheck[]? anyOf;
    private readonly string? reference;
    private readonly Dictionary<string, SchemaCheck> definitions;

    private SchemaCheck(JObject schema, Dictionary<string, SchemaCheck> definitions)
    {
        this.definitions = definitions;
        foreach (var (keyword, value) in schema)
        {
            if (value is null)
            {
                unknownKeyword = true;
                continue;
            }

            switch (keyword)
            {
                case "type" when value is JValue { Type: JTokenType.String } name && TypesOf((string)name!) is { } known:
                    types = known;
                    break;
                case "enum" when value is JArray values && values.All(v => v.Type is JTokenType.String or JTokenType.Boolean or JTokenType.Integer):
                    enumeration = [.. values.Cast<JValue>()];
                    break;
                case "required" when value is JArray names && names.All(n => n.Type == JTokenType.String):
                    required = [.. names.Select(n => (string)n!)];
                    break;
                case "properties" when value is JObject map && map.Properties().All(p => p.Value is JObject):
                    properties = map.Properties().ToDictionary(p => p.Name, p => new SchemaCheck((JObject)p.Value, definitions), StringComparer.Ordinal);
                    break;
                case "additionalProperties" when value is JValue { Type: JTokenType.Boolean } allowed:
                    closed = !(bool)allowed!;
                    break;
                case "additionalProperties" when value is JObject rule:
                    additional = new SchemaCheck(rule, definitions);
                    break;
                case "pattern" when value.Type == JTokenType.String:
                    pattern = new Regex((string)value!, RegexOptions.CultureInvariant);
                    break;
                case "minLength" when value.Type == JTokenType.Integer:
                    minLength = (int)value;
                    break;
                case "maxLength" when value.Type == JTokenType.Integer:
                    maxLength = (int)value;
                    break;
                case "minimum" when value.Type == JTokenType.Integer:
                    minimum = (long)value;
                    break;
                case "maximum" when value.Type == JTokenType.Integer:
                    maximum = (long)value;
                    break;
                case "items" when value is JObject rule:
                    items = new SchemaCheck(rule, definitions);
                    break;
                case "minItems" when value.Type == JTokenType.Integer:
                    minItems = (int)value;
                    break;
                case "uniqueItems" when value.Type == JTokenType.Boolean:
                    uniqueItems = (bool)value;
                    break;
                case "not" when value is JObject rule:
                    not = new SchemaCheck(rule, definitions);
                    break;
                case "allOf" when value is JArray rules && rules.All(r => r is JObject):
                    allOf = [.. rules.Select(r => new SchemaCheck((JObject)r, definitions))];
                    break;
                case "anyOf" when value is JArray rules && rules.All(r => r is JObject):
                    anyOf = [.. rules.Select(r => new SchemaCheck((JObject)r, definitions))];
                    break;
                case "$ref" when value is JValue { Type: JTokenType.String } target && ((string)target!).StartsWith("#/definitions/", StringComparison.Ordinal):
                    reference = ((string)target!)["#/definitions/".Length..];
                    break;
                default:
                    unknownKeyword |= !Annotations.Contains(keyword);
                    break;
            }
        }

        // Draft 7 ignores the rules beside a $ref, and validators differ on whether they do: leave such a schema to NJsonSchema.
        unknownKeyword |= reference is not null && schema.Properties().Any(p => p.Name != "$ref" && !Annotations.Contains(p.Name));
    }

    /// <summary>Compiles a schema document (its <c>definitions</c> are what <c>$ref</c> may point at).</summary>
    public static SchemaCheck Compile(string schemaJson)
    {
        var schema = JObject.Parse(schemaJson);
        var definitions = new Dictionary<string, SchemaCheck>(StringComparer.Ordinal);
        if (schema["definitions"] is JObject named)
        {
            foreach (var (name, definition) in named)
            {
                definitions[name] = definition is JObject rule ? new SchemaCheck(rule, definitions) : Unknowable(definitions);
            }
        }

        return new SchemaCheck(schema, definitions);
    }

    public Verdict Check(JToken token)
    {
        if (unknownKeyword || token.Type == JTokenType.Null)
        {
            // NJsonSchema reads a null as "no value" for some rules and as a value for others: leave it to NJsonSchema.
            return Verdict.Unknown;
        }

        var verdict = Verdict.Valid;
        if (reference is not null)
        {
            verdict = Both(verdict, definitions.TryGetValue(reference, out var target) ? target.Check(token) : Verdict.Unknown);
        }

        if (types is not null)
        {
            if (token.Type is JTokenType.Float && types.Contains(JTokenType.Integer) && !types.Contains(JTokenType.Float))
            {
                return Verdict.Unknown; // 2.0 is an integer to some validators and not to others
            }

            if (Array.IndexOf(types, token.Type) < 0)
            {
                return token.Type is JTokenType.String or JTokenType.Integer or JTokenType.Float or JTokenType.Boolean or JTokenType.Object or JTokenType.Array
                    ? Verdict.Invalid
                    : Verdict.Unknown;
            }
        }

        if (enumeration is not null)
        {
            verdict = Both(verdict, InEnumeration(token));
        }

        verdict = token switch
        {
            JObject mapping => Both(verdict, CheckMapping(mapping)),
            JArray list => Both(verdict, CheckList(list)),
            JValue { Type: JTokenType.String } text => Both(verdict, CheckText((string)text.Value!)),
            JValue { Type: JTokenType.Integer } number => Both(verdict, CheckNumber(number)),
            JValue { Type: JTokenType.Float, Value: double real } => Both(verdict, CheckReal(real)),
            _ => verdict,
        };

        if (not is not null)
        {
            verdict = Both(verdict, not.Check(token) switch
            {
                Verdict.Valid => Verdict.Invalid,
                Verdict.Invalid => Verdict.Valid,
                _ => Verdict.Unknown,
            });
        }

        if (allOf is not null)
        {
            foreach (var rule in allOf)
            {
                verdict = Both(verdict, rule.Check(token));
            }
        }

        if (anyOf is not null)
        {
            var any = Verdict.Invalid;
            foreach (var rule in anyOf)
            {
                var one = rule.Check(token);
                if (one == Verdict.Valid)
                {
                    any = Verdict.Valid;
                    break;
                }

                any = one == Verdict.Unknown ? Verdict.Unknown : any;
            }

            verdict = Both(verdict, any);
        }

        return verdict;
    }

    private Verdict CheckMapping(JObject mapping)
    {
        var verdict = Verdict.Valid;
        foreach (var name in required)
        {
            var value = mapping[name];
            verdict = Both(verdict, value is null ? Verdict.Invalid : value.Type == JTokenType.Null ? Verdict.Unknown : Verdict.Valid);
        }

        for (var property = (JProperty?)mapping.First; property is not null; property = (JProperty?)property.Next)
        {
            if (properties is not null && properties.TryGetValue(property.Name, out var rule))
            {
                verdict = Both(verdict, rule.Check(property.Value));
            }
            else if (closed)
            {
                verdict = Verdict.Invalid;
            }
            else if (additional is not null)
            {
                verdict = Both(verdict, additional.Check(property.Value));
            }

            if (verdict == Verdict.Invalid)
            {
                return verdict;
            }
        }

        return verdict;
    }

    private Verdict CheckList(JArray list)
    {
        if (list.Count < minItems)
        {
            return Verdict.Invalid;
        }

        var verdict = Verdict.Valid;
        if (items is not null)
        {
            foreach (var item in list)
            {
                verdict = Both(verdict, items.Check(item));
            }
        }

        if (uniqueItems)
        {
            for (var i = 0; i < list.Count && verdict != Verdict.Invalid; i++)
            {
                if (list[i].Type != JTokenType.String)
                {
                    verdict = Both(verdict, Verdict.Unknown); // equality of other values is the validator's own
                    continue;
                }

                for (var j = 0; j < i; j++)
                {
                    if (list[j].Type == JTokenType.String && (string)list[j]! == (string)list[i]!)
                    {
                        return Verdict.Invalid;
                    }
                }
            }
        }

        return verdict;
    }

    private Verdict CheckText(string text)
    {
        if ((pattern is not null || minLength is not null || maxLength is not null) && !System.Text.Ascii.IsValid(text))
        {
            return Verdict.Unknown; // what a character is (UTF-16 unit, code point, text element) and what \s matches differ
        }

        if (text.Length < minLength || text.Length > maxLength)
        {
            return Verdict.Invalid;
        }

        return pattern is null || pattern.IsMatch(text) ? Verdict.Valid : Verdict.Invalid;
    }

    private Verdict CheckNumber(JValue number)
    {
        if (minimum is null && maximum is null)
        {
            return Verdict.Valid;
        }

        if (number.Value is not long value)
        {
            return Verdict.Unknown;
        }

        return value < minimum || value > maximum ? Verdict.Invalid : Verdict.Valid;
    }

    private Verdict CheckReal(double value)
    {
        if (minimum is null && maximum is null)
        {
            return Verdict.Valid;
        }

        // A validator may compare the number as a decimal, rounded to 15 digits: decide only where both readings agree.
        if (!double.IsFinite(value) || Math.Abs(value) > 1e15)
        {
            return Verdict.Unknown;
        }

        var asDecimal = (decimal)value;
        var outside = value < minimum || value > maximum;
        return outside == (asDecimal < minimum || asDecimal > maximum) ? (outside ? Verdict.Invalid : Verdict.Valid) : Verdict.Unknown;
    }

    private Verdict InEnumeration(JToken token)
    {
        if (token is not JValue value)
        {
            return Verdict.Unknown;
        }

        var sameType = true;
        foreach (var allowed in enumeration!)
        {
            if (allowed.Type != value.Type)
            {
                sameType = false;
            }
            else if (Equals(allowed.Value, value.Value))
            {
                return Verdict.Valid;
            }
        }

        // A value of another type than some allowed one ("1" against 1) is compared by each validator its own way.
        return sameType ? Verdict.Invalid : Verdict.Unknown;
    }

    private static Verdict Both(Verdict a, Verdict b) =>
        a == Verdict.Invalid || b == Verdict.Invalid ? Verdict.Invalid
        : a == Verdict.Unknown || b == Verdict.Unknown ? Verdict.Unknown
        : Verdict.Valid;

    private static JTokenType[]? TypesOf(string name) => name switch
    {
        "object" => [JTokenType.Object],
        "array" => [JTokenType.Array],
        "string" => [JTokenType.String],
        "integer" => [JTokenType.Integer],
        "number" => [JTokenType.Integer, JTokenType.Float],
        "boolean" => [JTokenType.Boolean],
        _ => null,
    };

    private static SchemaCheck Unknowable(Dictionary<string, SchemaCheck> definitions) => new(new JObject { ["unknowable"] = true }, definitions);
}
