using System.Globalization;
using System.Reflection;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace LiquidMetal.Fleet.Loading;

/// <summary>The JSON Schemas of the fleet format (schemas/*.schema.json, embedded), and errors phrased for people.</summary>
public static class FleetSchemas
{
    // Each kind's schema twice over: the quick check every document goes through first, and NJsonSchema's, built only
    // for a document the quick check cannot pass (it words the errors).
    private static readonly Dictionary<string, KindSchemas> Kinds = new(StringComparer.Ordinal)
    {
        ["Fleet"] = new("fleet.schema.json"),
        ["Host"] = new("host.schema.json"),
        ["Cluster"] = new("cluster.schema.json"),
        ["Network"] = new("network.schema.json"),
    };

    // One validator for every document, from every thread: it holds only read-only settings and format validators,
    // and JsonSchema.Validate building them anew for each document cost about as much as validating a host.
    private static readonly JsonSchemaValidator Validator = new();

    /// <summary>
    /// Starts compiling the quick checks on the thread pool, so that a cold process does it while it reads and parses
    /// the fleet's files rather than before checking the first one. NJsonSchema's schemas are built only when a
    /// document needs them, so a valid fleet never builds them.
    /// </summary>
    public static void Preload()
    {
        if (!Kinds["Cluster"].Quick.IsValueCreated)
        {
            _ = Task.Run(() => Kinds.Values.Select(kind => kind.Quick.Value).ToList());
        }
    }

    /// <summary>The schema for a kind ("Fleet", "Host", "Cluster", "Network").</summary>
    public static JsonSchema For(string kind) => Of(kind).Full.Value;

    /// <summary>The quick check for a kind; <see cref="Verdict.Valid"/> from it means NJsonSchema finds nothing either.</summary>
    internal static SchemaCheck QuickCheck(string kind) => Of(kind).Quick.Value;

    private static KindSchemas Of(string kind) =>
        Kinds.TryGetValue(kind, out var schemas) ? schemas : throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind");

    /// <summary>The raw text of an embedded schema, e.g. "host.schema.json".</summary>
    public static string Text(string fileName)
    {
        using var stream = typeof(FleetSchemas).Assembly.GetManifestResourceStream("LiquidMetal.Fleet.Schemas." + fileName)
            ?? throw new InvalidOperationException($"schema {fileName} is not embedded in {typeof(FleetSchemas).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Checks a document against its kind's schema; each error points at the YAML that caused it.</summary>
    /// <param name="locate">The document parsed again with every location kept, asked for only when it has errors.</param>
    public static void Validate(string kind, JToken document, Func<YamlTree> locate, string file, List<Diagnostic> diagnostics)
    {
        if (QuickCheck(kind).Check(document) == Verdict.Valid)
        {
            return;
        }

        var errors = Validator.Validate(document, For(kind));
        if (errors.Count == 0)
        {
            return;
        }

        var tree = locate();
        var found = new List<(SourceLocation Location, string Message)>();
        foreach (var error in Flatten(errors, document))
        {
            var path = error.Path is null ? string.Empty : error.Path.TrimStart('#', '/');
            var location = error.Kind switch
            {
                ValidationErrorKind.NoAdditionalPropertiesAllowed when tree.KeyLocations.TryGetValue(path, out var key) => key,
                ValidationErrorKind.ExcludedSchemaValidates when LastKeyOf(error.Schema.Not, path, tree) is { } last => last,
                _ => Locate(tree, file, path),
            };
            found.Add((location, Describe(error, path, document, tree)));
        }

        // NJsonSchema may report one problem through two routes; print each once, in file order.
        foreach (var (location, message) in found.Distinct().OrderBy(f => f.Location.Line).ThenBy(f => f.Location.Column).ThenBy(f => f.Message, StringComparer.Ordinal))
        {
            diagnostics.Add(new Diagnostic(location, message));
        }
    }

    private static SourceLocation Locate(YamlTree tree, string file, string path)
    {
        var current = path;
        while (true)
        {
            if (tree.Locations.TryGetValue(current, out var location))
            {
                return location;
            }

            if (current.Length == 0)
            {
                return new SourceLocation(file, 1, 1);
            }

            var cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            current = cut <= 0 ? string.Empty : current[..cut];
        }
    }

    /// <summary>
    /// A "not" that forbids fields together (a metal pool with vcpu) is broken by the one of them written last: point
    /// at that key, the one a person adds by mistake.
    /// </summary>
    private static SourceLocation? LastKeyOf(JsonSchema? excluded, string path, YamlTree tree)
    {
        SourceLocation? last = null;
        foreach (var property in excluded?.RequiredProperties ?? [])
        {
            if (tree.KeyLocations.TryGetValue(YamlPath.Child(path, property), out var at)
                && (last is not { } known || (at.Line, at.Column).CompareTo((known.Line, known.Column)) > 0))
            {
                last = at;
            }
        }

        return last;
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors, JToken document)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError { Kind: ValidationErrorKind.NotAnyOf } shapes && shapes.Errors.Count > 0)
            {
                // A field of several shapes (bootstrap: kubeadm, or a mapping): a mapping is told what is wrong inside it,
                // anything else is told the shapes there are, once, not one complaint per shape.
                var path = shapes.Path is null ? string.Empty : shapes.Path.TrimStart('#', '/');
                var isMapping = (path.Length == 0 ? document : document.SelectToken(path, errorWhenNoMatch: false)) is JObject;
                var mappingShape = shapes.Errors.FirstOrDefault(e => e.Key.ActualSchema.Type.HasFlag(JsonObjectType.Object));
                if (isMapping && mappingShape.Key is not null)
                {
                    foreach (var inner in Flatten(mappingShape.Value, document))
                    {
                        yield return inner;
                    }
                }
                else
                {
                    yield return new ValidationError(ValidationErrorKind.NotAnyOf, shapes.Property, shapes.Path, shapes.Token, shapes.Schema);
                }
            }
            else if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var inner in Flatten(child.Errors.SelectMany(e => e.Value), document))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return error;
            }
        }
    }

    private static string Describe(ValidationError error, string path, JToken document, YamlTree tree)
    {
        var schema = error.Schema;
        var value = path.Length == 0 ? document : document.SelectToken(path, errorWhenNoMatch: false);
        var shown = tree.RawScalars.TryGetValue(path, out var raw) ? raw : Show(value);
        var name = path.Length == 0 ? "the document" : path;
        var parent = Parent(path, error.Property);
        return error.Kind switch
        {
            ValidationErrorKind.PropertyRequired => $"{parent}: missing required field '{error.Property}'",
            ValidationErrorKind.NoAdditionalPropertiesAllowed => $"{name}: unknown field '{error.Property}'{Known(schema)}",
            ValidationErrorKind.StringExpected => $"{name}: expected a string, found {shown}{QuoteHint(value)}",
            ValidationErrorKind.IntegerExpected => $"{name}: expected a whole number, found {shown}",
            ValidationErrorKind.NumberExpected => $"{name}: expected a number, found {shown}",
            ValidationErrorKind.BooleanExpected => $"{name}: expected true or false, found {shown}",
            ValidationErrorKind.ObjectExpected => $"{name}: expected a mapping (key: value pairs), found {shown}",
            ValidationErrorKind.ArrayExpected => $"{name}: expected a list, found {shown}",
            ValidationErrorKind.NotInEnumeration => $"{name}: {shown} is not allowed; expected one of {string.Join(", ", schema.Enumeration.Select(e => e?.ToString()))}",
            ValidationErrorKind.PatternMismatch => $"{name}: {shown} is not {schema.Description ?? $"matching the pattern {schema.Pattern}"}",
            ValidationErrorKind.StringTooShort => $"{name}: must not be empty",
            ValidationErrorKind.StringTooLong => $"{name}: {shown} is longer than {schema.MaxLength} characters",
            ValidationErrorKind.NumberTooSmall => $"{name}: {shown} is less than the minimum {Number(schema.Minimum)}",
            ValidationErrorKind.NumberTooBig or ValidationErrorKind.IntegerTooBig => $"{name}: {shown} is more than the maximum {Number(schema.Maximum)}",
            ValidationErrorKind.TooFewItems => $"{name}: needs at least {schema.MinItems} item(s)",
            ValidationErrorKind.TooManyItems => $"{name}: allows at most {schema.MaxItems} item(s)",
            ValidationErrorKind.ItemsNotUnique => $"{name}: items must be unique",

            // The schemas word each "not" rule in its description, as the message a person needs.
            ValidationErrorKind.NotAnyOf => $"{name}: {shown} is not allowed; expected {schema.Description ?? "another shape of value"}",
            ValidationErrorKind.ExcludedSchemaValidates => $"{name}: {schema.Not?.Description ?? "this combination of values is not allowed"}",
            _ => $"{name}: {error.Kind}",
        };
    }

    /// <summary>NJsonSchema puts a missing property's own name at the end of its path; name the mapping it is missing from.</summary>
    private static string Parent(string path, string? property)
    {
        if (property is not null && (path == property || path.EndsWith("." + property, StringComparison.Ordinal)))
        {
            path = path[..^property.Length].TrimEnd('.');
        }

        return path.Length == 0 ? "the document" : path;
    }

    private static string Known(JsonSchema schema)
    {
        var properties = schema.ActualSchema.Properties.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        return properties.Count == 0 ? string.Empty : $"; expected one of {string.Join(", ", properties)}";
    }

    private static string QuoteHint(JToken? value) =>
        value?.Type is JTokenType.Integer or JTokenType.Float or JTokenType.Boolean ? " (quote it to make it a string)" : string.Empty;

    private static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Show(JToken? value) => value switch
    {
        null => "nothing",
        { Type: JTokenType.Null } => "an empty value",
        { Type: JTokenType.Object } => "a mapping",
        { Type: JTokenType.Array } => "a list",
        { Type: JTokenType.String } => $"'{Truncate(value.Value<string>()!)}'",
        { Type: JTokenType.Boolean } => value.Value<bool>() ? "true" : "false",
        { Type: JTokenType.Float } => value.Value<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private static JsonSchema Load(string fileName) => JsonSchema.FromJsonAsync(Text(fileName)).GetAwaiter().GetResult();

    private sealed class KindSchemas(string fileName)
    {
        public Lazy<SchemaCheck> Quick { get; } = new(() => SchemaCheck.Compile(Text(fileName)));

        public Lazy<JsonSchema> Full { get; } = new(() => Load(fileName));
    }
}
