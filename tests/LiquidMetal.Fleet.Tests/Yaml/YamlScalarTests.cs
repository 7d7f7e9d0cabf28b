using System.Text.RegularExpressions;
using LiquidMetal.Fleet.Yaml;

namespace LiquidMetal.Fleet.Tests.Yaml;

/// <summary>
/// A scalar written plain must read back as that string in any YAML reader. The oracle is the spec's own type
/// patterns (YAML 1.1's type repository and YAML 1.2's core schema), not the writer's rules.
/// </summary>
public sealed partial class YamlScalarTests
{
    [Theory]
    [InlineData("0b101")]
    [InlineData("0b1")]
    [InlineData("1e5")]
    [InlineData("0x1f")]
    [InlineData("0o17")]
    [InlineData("0123")]
    [InlineData("1_000")]
    [InlineData("1:20")]
    [InlineData("2026-11-27")]
    [InlineData(".inf")]
    [InlineData("Yes")]
    [InlineData("off")]
    [InlineData("~")]
    [InlineData("")]
    [InlineData("a: b")]
    [InlineData("a #b")]
    [InlineData("- a")]
    [InlineData(" a")]
    [InlineData("a ")]
    public void Write_TextAReaderWouldTakeForSomethingElse_IsQuoted(string value)
    {
        Assert.StartsWith("\"", YamlScalar.Write(value), StringComparison.Ordinal);
        Assert.StartsWith("\"", YamlScalar.WriteText(value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sled-1")]
    [InlineData("044ca6d41d7e1d36f0b21c3b")]
    [InlineData("/var/lib/liquidmetal/images/vmlinuz")]
    public void Write_NamesIdsAndPaths_StayPlain(string value) => Assert.Equal(value, YamlScalar.Write(value));

    [Fact]
    public void WriteText_Sentences_StayPlain() =>
        Assert.Equal("revision a1b2 was rejected; 9f8e stays applied", YamlScalar.WriteText("revision a1b2 was rejected; 9f8e stays applied"));

    [Fact]
    public void Write_RandomNumberLikeText_PlainOnlyWhenNoYamlTypeMatches()
    {
        const string alphabet = "0123456789abcdefxoABEF.-+_:eb ,;()=~/#'\"";
        var random = new Random(20261127);
        for (var i = 0; i < 20000; i++)
        {
            var value = new string([.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            foreach (var written in new[] { YamlScalar.Write(value), YamlScalar.WriteText(value) })
            {
                if (written == value)
                {
                    Assert.False(IsTyped(value), $"'{value}' was written plain, but a YAML reader takes it for a bool, null, number or timestamp");
                    Assert.False(value.StartsWith(' ') || value.EndsWith(' ') || value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value.EndsWith(':'),
                        $"'{value}' was written plain, but is not a plain scalar");
                    Assert.DoesNotMatch(Indicator(), value);
                }
                else
                {
                    Assert.StartsWith("\"", written, StringComparison.Ordinal);
                }
            }
        }
    }

    private static bool IsTyped(string value) => Yaml11().IsMatch(value) || Yaml12Core().IsMatch(value);

    // YAML 1.1 (yaml.org/type): bool, null, int (binary, octal, decimal, hex, sexagesimal), float, timestamp (a date prefix).
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|"
        + @"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+|"
        + @"[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|"
        + @"[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*|=|<<)$")]
    private static partial Regex Yaml11();

    // YAML 1.2 core schema: null, bool, int, float.
    [GeneratedRegex(@"^(null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|"
        + @"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN)$")]
    private static partial Regex Yaml12Core();

    // A plain scalar cannot start with an indicator.
    [GeneratedRegex(@"^[-?:,\[\]{}#&*!|>'""%@`]")]
    private static partial Regex Indicator();
}
