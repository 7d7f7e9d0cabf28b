using System.Text.RegularExpressions;

namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>The line a guest prints on its serial console once it is up: <c>LIQUIDMETAL-READY id=&lt;id&gt; userdata-sha256=&lt;hex&gt;</c>.</summary>
internal sealed partial record ReadyMarker(string Id, string UserDataSha256)
{
    public const string Prefix = "LIQUIDMETAL-READY";

    public static bool TryParse(string line, out ReadyMarker marker)
    {
        var match = Pattern().Match(line);
        marker = match.Success ? new ReadyMarker(match.Groups[1].Value, match.Groups[2].Value) : new ReadyMarker(string.Empty, string.Empty);
        return match.Success;
    }

    [GeneratedRegex(@"LIQUIDMETAL-READY id=(\S+) userdata-sha256=([0-9a-f]{64})")]
    private static partial Regex Pattern();
}
