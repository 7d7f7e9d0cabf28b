namespace LiquidMetal.Agent.Providers.NoCloud;

/// <summary>The little YAML the NoCloud files need: mappings (in order), sequences, strings, numbers and booleans.</summary>
internal abstract record YamlNode
{
    public static implicit operator YamlNode(string value) => new YamlString(value);
}

internal sealed record YamlString(string Value) : YamlNode;

/// <summary>A number or boolean, written as given (never quoted).</summary>
internal sealed record YamlLiteral(string Text) : YamlNode
{
    public static readonly YamlLiteral True = new("true");
}

internal sealed record YamlSequence(IReadOnlyList<YamlNode> Items) : YamlNode;

internal sealed record YamlMapping(IReadOnlyList<KeyValuePair<string, YamlNode>> Entries) : YamlNode;
