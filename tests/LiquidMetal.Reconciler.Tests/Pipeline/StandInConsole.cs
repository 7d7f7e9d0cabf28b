using System.Text.RegularExpressions;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// What the kubeadm stand-ins of the test guest (scripts/guest-image/kubeadm-standin/: a stand-in kubeadm, stand-in
/// containerd and kubelet units, a report once cloud-init is done) printed on one VM's serial console: their lines in
/// order, each without the "LIQUIDMETAL-STANDIN " prefix, so "kubeadm args init ...", "containerd started", "after done".
/// </summary>
internal sealed partial class StandInConsole
{
    public const string Prefix = "LIQUIDMETAL-STANDIN ";

    public StandInConsole(string console)
    {
        Lines = [.. console.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Contains(Prefix, StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(Prefix, StringComparison.Ordinal) + Prefix.Length)..])];
    }

    public IReadOnlyList<string> Lines { get; }

    /// <summary>Where <paramref name="line"/> first is; -1 when it is not there.</summary>
    public int IndexOf(string line) => Lines.ToList().IndexOf(line);

    /// <summary>The rest of every "<paramref name="source"/> <paramref name="key"/> ..." line.</summary>
    public IReadOnlyList<string> Values(string source, string key) =>
        [.. Lines.Where(line => line.StartsWith($"{source} {key} ", StringComparison.Ordinal)).Select(line => line[(source.Length + key.Length + 2)..])];

    /// <summary>The rest of the one "<paramref name="source"/> <paramref name="key"/> ..." line; fails when there is not exactly one.</summary>
    public string Value(string source, string key)
    {
        var values = Values(source, key);
        Assert.True(values.Count == 1, $"expected one '{source} {key}' line, found {values.Count}:\n{this}");
        return values[0];
    }

    /// <summary>The "<paramref name="source"/> file ..." facts by path: mode, owner and SHA-256, or null for a file that is absent.</summary>
    public Dictionary<string, (string Mode, string Owner, string Sha256)?> Files(string source)
    {
        var files = new Dictionary<string, (string Mode, string Owner, string Sha256)?>(StringComparer.Ordinal);
        foreach (var fact in Values(source, "file"))
        {
            var match = FileFact().Match(fact);
            Assert.True(match.Success, $"not a file fact: '{fact}'");
            files[match.Groups["path"].Value] = match.Groups["mode"].Success
                ? (match.Groups["mode"].Value, match.Groups["owner"].Value, match.Groups["sha"].Value)
                : null;
        }

        return files;
    }

    public override string ToString() => string.Join("\n", Lines);

    [GeneratedRegex(@"^(?<path>/\S+) (?:absent|mode=(?<mode>[0-7]+) owner=(?<owner>\S+) sha256=(?<sha>[0-9a-f]{64}))$")]
    private static partial Regex FileFact();
}
