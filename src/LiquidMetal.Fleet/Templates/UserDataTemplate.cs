using System.Collections.Immutable;
using System.Text;

namespace LiquidMetal.Fleet.Templates;

/// <summary>
/// The template language of <c>bootstrap.userData</c>: <c>{{ variable }}</c> is replaced by the variable's
/// value, <c>\{{</c> is a literal <c>{{</c>, and everything else is copied as it is. Deliberately tiny: no
/// expressions, no loops, so a template either renders the same way everywhere or is rejected at validation.
/// </summary>
public static class UserDataTemplate
{
    /// <summary>Every variable a template may use.</summary>
    public static ImmutableArray<string> KnownVariables { get; } =
    [
        "cluster.name",
        "controlPlane.endpoint",
        "controlPlane.vip",
        "fleet.name",
        "host.failureDomain",
        "host.name",
        "kubernetes.version",
        "node.ipv4",
        "node.name",
        "node.ordinal",
        "node.pool",
        "node.role",
    ];

    private static readonly System.Collections.Frozen.FrozenSet<string> Known = System.Collections.Frozen.FrozenSet.ToFrozenSet(KnownVariables, StringComparer.Ordinal);

    /// <summary>Problems in a template (unknown variable, unclosed braces), with offsets into the template text.</summary>
    public static ImmutableArray<TemplateProblem> Check(string template)
    {
        var problems = ImmutableArray.CreateBuilder<TemplateProblem>();
        Walk(template, literal: null, variable: (name, start, length) =>
        {
            if (name.Length == 0)
            {
                problems.Add(new TemplateProblem(start, length, "empty {{ }}: name a variable, e.g. {{ node.name }}"));
            }
            else if (!Known.Contains(name))
            {
                problems.Add(new TemplateProblem(start, length, $"unknown template variable '{name}'{Suggest(name)}; known: {string.Join(", ", KnownVariables)}"));
            }
        }, unclosed: start => problems.Add(new TemplateProblem(start, 2, "'{{' is never closed with '}}' (write \\{{ for a literal '{{')")));
        return problems.ToImmutable();
    }

    /// <summary>The variables a template names, in order (unclosed braces are not variables).</summary>
    public static IReadOnlyList<string> Variables(string template)
    {
        var names = new List<string>();
        Walk(template, literal: null, variable: (name, _, _) => names.Add(name), unclosed: _ => { });
        return names;
    }

    /// <summary>Substitutes every variable; the template must have passed <see cref="Check"/>.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        if (!template.Contains("{{", StringComparison.Ordinal))
        {
            return template;
        }

        var output = new StringBuilder(template.Length + 64);
        Walk(
            template,
            literal: span => output.Append(span),
            variable: (name, _, _) => output.Append(values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"no value for template variable '{name}'", nameof(values))),
            unclosed: _ => throw new ArgumentException("template has an unclosed '{{'", nameof(template)));
        return output.ToString();
    }

    /// <summary>Parses a checked template once, to render it for many nodes.</summary>
    public static CompiledTemplate Compile(string template)
    {
        var parts = new List<(string Text, bool IsVariable)>();
        Walk(
            template,
            literal: span =>
            {
                if (!span.IsEmpty)
                {
                    parts.Add((span.ToString(), false));
                }
            },
            variable: (name, _, _) => parts.Add((name, true)),
            unclosed: _ => throw new ArgumentException("template has an unclosed '{{'", nameof(template)));
        return new CompiledTemplate([.. parts]);
    }

    private static void Walk(string template, Action<ReadOnlyMemory<char>>? literal, Action<string, int, int> variable, Action<int> unclosed)
    {
        var position = 0;
        var copyFrom = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            if (open > 0 && template[open - 1] == '\\')
            {
                literal?.Invoke(template.AsMemory(copyFrom, open - 1 - copyFrom));
                literal?.Invoke("{{".AsMemory());
                position = copyFrom = open + 2;
                continue;
            }

            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            var newline = template.IndexOf('\n', open + 2);
            if (close < 0 || (newline >= 0 && newline < close))
            {
                unclosed(open);
                position = copyFrom = open + 2;
                continue;
            }

            literal?.Invoke(template.AsMemory(copyFrom, open - copyFrom));
            variable(template[(open + 2)..close].Trim(), open, close + 2 - open);
            position = copyFrom = close + 2;
        }

        literal?.Invoke(template.AsMemory(copyFrom));
    }

    private static string Suggest(string name)
    {
        var best = KnownVariables.MinBy(known => Distance(known, name));
        return best is not null && Distance(best, name) <= 3 ? $" (did you mean '{best}'?)" : string.Empty;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

/// <summary>A template split into literal text and variables, ready to render.</summary>
public sealed class CompiledTemplate(ImmutableArray<(string Text, bool IsVariable)> parts)
{
    public string Render(Func<string, string> value)
    {
        if (parts.Length == 1 && !parts[0].IsVariable)
        {
            return parts[0].Text;
        }

        // The pieces, then one string of exactly their length: a render makes 20,000 of these, and a builder's
        // buffer besides each was as much again to allocate.
        var pieces = new string[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            pieces[i] = parts[i].IsVariable ? value(parts[i].Text) : parts[i].Text;
        }

        return string.Concat(pieces);
    }
}
