using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// A strict reader of Prometheus' text exposition format (version 0.0.4, what <c>text/plain</c> scrapes get): lines
/// of <c># HELP</c>, <c># TYPE</c> and samples and nothing else, every sample in a typed family, a family's lines
/// together, and histograms whole (cumulative buckets up to <c>le="+Inf"</c>, which equals <c>_count</c>). Anything
/// else is a <see cref="FormatException"/> naming the line.
/// </summary>
internal static partial class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    /// <summary>The families by name, in the order they came.</summary>
    public static IReadOnlyDictionary<string, Family> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the last line does not end with a line feed");
        }

        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var where = $"line {i + 1} ({line})";
            if (line.Length == 0)
            {
                continue; // the format ignores empty lines
            }

            Family family;
            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                if (!comment.Success)
                {
                    throw new FormatException($"{where}: a comment other than '# HELP name text' or '# TYPE name type'");
                }

                var name = comment.Groups["name"].Value;
                family = families.TryGetValue(name, out var known) ? known : families[name] = new Family(name);
                if (comment.Groups["kind"].Value == "HELP")
                {
                    family.Help = family.Help is null ? Unescape(comment.Groups["rest"].Value, where, quoted: false) : throw new FormatException($"{where}: a second HELP for {name}");
                }
                else
                {
                    var type = comment.Groups["rest"].Value;
                    family.Type = !Types.Contains(type) ? throw new FormatException($"{where}: unknown type {type}")
                        : family.Type is not null ? throw new FormatException($"{where}: a second TYPE for {name}")
                        : family.Samples.Count > 0 ? throw new FormatException($"{where}: TYPE after {name}'s samples")
                        : type;
                }
            }
            else
            {
                var sample = ParseSample(line, where);
                family = (families.TryGetValue(sample.Name, out var named) && named.Owns(sample.Name) ? named : families.Values.FirstOrDefault(f => f.Owns(sample.Name)))
                    ?? throw new FormatException($"{where}: {sample.Name} belongs to no family with a TYPE");
                if (family.Samples.Any(s => s.Name == sample.Name && s.Key == sample.Key))
                {
                    throw new FormatException($"{where}: {sample.Name}{{{sample.Key}}} a second time");
                }

                family.Samples.Add(sample);
            }

            if (family != current)
            {
                if (closed.Contains(family.Name))
                {
                    throw new FormatException($"{where}: {family.Name} again after other families' lines");
                }

                if (current is not null)
                {
                    closed.Add(current.Name);
                }

                current = family;
            }
        }

        foreach (var family in families.Values)
        {
            Check(family);
        }

        return families;
    }

    private static Sample ParseSample(string line, string where)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            throw new FormatException($"{where}: not 'name{{label=\"value\",...}} value [timestamp]'");
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (Capture pair in match.Groups["label"].Captures)
        {
            var equals = pair.Value.IndexOf('=', StringComparison.Ordinal);
            var label = pair.Value[..equals];
            if (!labels.TryAdd(label, Unescape(pair.Value[(equals + 2)..^1], where, quoted: true)))
            {
                throw new FormatException($"{where}: label {label} twice");
            }
        }

        var value = match.Groups["value"].Value;
        var number = value switch
        {
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(match.Groups["name"].Value, labels, number);
    }

    /// <summary>What the type promises: counters never negative, histograms' buckets cumulative and complete.</summary>
    private static void Check(Family family)
    {
        if (family.Type is null)
        {
            throw new FormatException($"{family.Name} has a HELP but no TYPE");
        }

        if (family.Type == "counter" && family.Samples.Any(s => !(s.Value >= 0)))
        {
            throw new FormatException($"counter {family.Name} has a negative or NaN value");
        }

        if (family.Type != "histogram")
        {
            return;
        }

        foreach (var series in family.Samples.GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").Select(l => $"{l.Key}={l.Value}"))))
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            if (buckets.Any(b => !b.Labels.ContainsKey("le")))
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: a bucket without le");
            }

            var bounds = buckets.Select(b => Bound(b.Labels["le"])).ToList();
            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count")
                ?? throw new FormatException($"{family.Name}{{{series.Key}}}: no _count");
            _ = series.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}{{{series.Key}}}: no _sum");
            if (bounds.Count == 0 || !double.IsPositiveInfinity(bounds[^1]) || buckets[^1].Value != count.Value)
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: the last bucket is not le=\"+Inf\" with the _count");
            }

            for (var i = 1; i < buckets.Count; i++)
            {
                if (!(bounds[i] > bounds[i - 1]) || buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"{family.Name}{{{series.Key}}}: buckets out of order or not cumulative at le=\"{buckets[i].Labels["le"]}\"");
                }
            }
        }
    }

    private static double Bound(string le) =>
        le == "+Inf" ? double.PositiveInfinity
        : double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) ? bound
        : throw new FormatException($"le=\"{le}\" is not a number");

    /// <summary>A HELP text escapes \\ and \n; a label value \\, \" and \n as well; any other backslash is an error.</summary>
    private static string Unescape(string text, string where, bool quoted)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            result.Append(++i < text.Length ? text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when quoted => '"',
                _ => throw new FormatException($"{where}: the escape \\{text[i]}"),
            } : throw new FormatException($"{where}: a lone backslash at the end"));
        }

        return result.ToString();
    }

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?: (?<rest>.*))?$")]
    private static partial Regex Comment();

    // name, optional {label="value",...} (a trailing comma allowed), a value as Go's ParseFloat reads it, an optional
    // timestamp in milliseconds.
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?<label>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(,(?<label>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"))*,?)?\})?[ \t]+(?<value>[+-]?(?:Inf|NaN|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?))(?:[ \t]+-?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    /// <summary>A metric family: its TYPE, HELP and samples.</summary>
    internal sealed class Family(string name)
    {
        public string Name { get; } = name;

        public string? Type { get; set; }

        public string? Help { get; set; }

        public List<Sample> Samples { get; } = [];

        /// <summary>A histogram owns name_bucket, name_sum and name_count; a summary name_sum and name_count too.</summary>
        public bool Owns(string sample) =>
            Type is not null && (sample == Name
                || (Type is "histogram" or "summary" && (sample == Name + "_sum" || sample == Name + "_count"))
                || (Type == "histogram" && sample == Name + "_bucket"));

        /// <summary>The value of the sample named <paramref name="sample"/> whose labels include <paramref name="labels"/>, summed over the rest.</summary>
        public double Sum(string sample, params (string Label, string Value)[] labels) =>
            Samples.Where(s => s.Name == sample && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);
    }

    /// <summary>One line's name, labels and value (its timestamp, if any, is read and left).</summary>
    internal sealed record Sample(string Name, SortedDictionary<string, string> Labels, double Value)
    {
        public string Key { get; } = string.Join(',', Labels.Select(l => $"{l.Key}={l.Value}"));
    }
}
